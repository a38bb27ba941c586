package istiovalid

import (
	"bytes"
	"encoding/json"
	"strings"
)

// proxyConfigFieldsSince are the ProxyConfig fields (JSON names, nested
// by ".") that the istio.io/api of older releases lacks, with the first
// minor whose go.mod names an istio.io/api that has them (mesh/v1alpha1/
// proxy.proto at the version each patch tag from 1.22.0 to 1.30.3
// requires; no patch release added a field). The injector decodes
// proxy.istio.io/config with unknown fields allowed
// (protomarshal.ApplyYAML retries so), so such a release drops them: the
// pod is injected and the setting does nothing. The istio/api commits:
var proxyConfigFieldsSince = []struct {
	path  string
	minor int
}{
	{"proxyHeaders.setCurrentClientCertDetails", 24}, // 9723aca52 (#3323)
	{"proxyHeaders.preserveHttp1HeaderCase", 25},     // c5fb47474 (#3350)
	{"tracing.enableIstioTags", 25},                  // e14257a70 (#3322)
	{"proxyHeaders.xForwardedHost", 28},              // e716877a1 (#3532)
	{"proxyHeaders.xForwardedPort", 28},              // e716877a1 (#3532)
	{"fileFlushInterval", 29},                        // 3c355c520 (#3620)
	{"fileFlushMinSizeKb", 29},                       // 3c355c520, 6a8b7c658 (#3624)
	{"statsCompression", 29},                         // 6caf94532 (#3628)
	{"connectionSettings", 31},                       // 2971a86a8 (#3707)
}

// DroppedField is a ProxyConfig field that a release's injector does not
// know, and drops.
type DroppedField struct {
	// Path is the field's JSON path ("proxyHeaders.xForwardedHost").
	Path string
	// Since is the first release that knows it.
	Since Release
}

// dropUnknownToRelease removes from ProxyConfig JSON the fields release
// r's ProxyConfig lacks, by their JSON or proto names as the decoder
// takes either, and says which it removed. Text that is not a JSON
// object, or sets none of them, comes back as it is: the decoder judges it.
func dropUnknownToRelease(r Release, js []byte) ([]byte, []DroppedField) {
	if r.minor >= Latest.minor || !bytes.HasPrefix(bytes.TrimSpace(js), []byte("{")) {
		return js, nil
	}
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber() // numbers go back as written
	var top map[string]any
	if err := d.Decode(&top); err != nil {
		return js, nil
	}
	var dropped []DroppedField
	for _, f := range proxyConfigFieldsSince {
		if r.minor >= f.minor {
			continue
		}
		if removeField(top, strings.Split(f.path, ".")) {
			dropped = append(dropped, DroppedField{Path: f.path, Since: Release{minor: f.minor}})
		}
	}
	if dropped == nil {
		return js, nil
	}
	out, err := json.Marshal(top)
	if err != nil {
		return js, nil
	}
	return out, dropped
}

// removeField deletes the field at path (JSON names) from obj, under its
// JSON name and its proto name, and says whether any was there.
func removeField(obj map[string]any, path []string) bool {
	removed := false
	for _, name := range []string{path[0], protoName(path[0])} {
		v, ok := obj[name]
		if !ok {
			continue
		}
		if len(path) == 1 {
			delete(obj, name)
			removed = true
		} else if sub, ok := v.(map[string]any); ok && removeField(sub, path[1:]) {
			removed = true
		}
	}
	return removed
}

// protoName is a lowerCamelCase JSON name's snake_case proto name
// ("xForwardedHost" is "x_forwarded_host", "preserveHttp1HeaderCase"
// "preserve_http1_header_case").
func protoName(jsonName string) string {
	var b strings.Builder
	for _, c := range jsonName {
		if 'A' <= c && c <= 'Z' {
			b.WriteByte('_')
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

package mesh

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	meshv1alpha1 "istio.io/api/mesh/v1alpha1"

	"github.com/meshbatch/meshbatch/pkg/istiovalid"
	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// ParseProxyConfig parses a ProxyConfig given as YAML or JSON text,
// ignoring unknown fields as Istio does.
func ParseProxyConfig(raw string) (*meshv1alpha1.ProxyConfig, error) {
	return parseProxyConfig(raw, protojson.UnmarshalOptions{DiscardUnknown: true})
}

// ParseProxyConfigStrict parses like ParseProxyConfig but also rejects
// unknown fields, which Istio drops silently.
func ParseProxyConfigStrict(raw string) (*meshv1alpha1.ProxyConfig, error) {
	return parseProxyConfig(raw, protojson.UnmarshalOptions{})
}

func parseProxyConfig(raw string, opts protojson.UnmarshalOptions) (*meshv1alpha1.ProxyConfig, error) {
	js, err := proxyConfigJSON(raw)
	if err != nil {
		return nil, err
	}
	return unmarshalProxyConfig(js, opts)
}

// parseProxyConfigBoth is ParseProxyConfig and the error of
// ParseProxyConfigStrict, converting the YAML once and decoding once when
// the text has no unknown fields (then both decoders agree).
func ParseProxyConfigBoth(raw string) (pc *meshv1alpha1.ProxyConfig, err, strictErr error) {
	js, err := proxyConfigJSON(raw)
	if err != nil {
		return nil, err, err
	}
	if pc, strictErr = unmarshalProxyConfig(js, protojson.UnmarshalOptions{}); strictErr == nil {
		return pc, nil, nil
	}
	pc, err = unmarshalProxyConfig(js, protojson.UnmarshalOptions{DiscardUnknown: true})
	return pc, err, strictErr
}

func proxyConfigJSON(raw string) ([]byte, error) {
	js, err := manifest.YAMLToJSON([]byte(raw), manifest.Limits{MaxDepth: 20, MaxNodes: 10000})
	if err != nil {
		return nil, fmt.Errorf("not valid YAML: %v", err)
	}
	return js, nil
}

func unmarshalProxyConfig(js []byte, opts protojson.UnmarshalOptions) (*meshv1alpha1.ProxyConfig, error) {
	pc := &meshv1alpha1.ProxyConfig{}
	if string(js) == "null" {
		return pc, nil
	}
	if err := opts.Unmarshal(js, pc); err != nil {
		// The injector decodes with the legacy jsonpb decoder, which also
		// takes what protojson refuses, such as the Go duration "1m".
		legacy, lerr := istiovalid.DecodeProxyConfigJSON(js, opts.DiscardUnknown)
		if lerr == nil {
			return legacy, nil
		}
		if strings.HasPrefix(lerr.Error(), "unknown field") {
			// what protojson stopped at first may be a value the injector takes
			return nil, fmt.Errorf("not a ProxyConfig: %s", strings.TrimSuffix(lerr.Error(), " in istio.mesh.v1alpha1.ProxyConfig"))
		}
		return nil, fmt.Errorf("not a ProxyConfig: %s", protoErrorText(err.Error()))
	}
	return pc, nil
}

// protoErrorText is a protojson error message without its "proto:"
// prefix and position. protojson deliberately writes the space after
// "proto:" as a non-breaking space in some builds and not in others, so
// both are stripped: messages must not change between builds.
func protoErrorText(msg string) string {
	if i := strings.LastIndex(msg, "):"); i >= 0 {
		msg = strings.TrimSpace(msg[i+2:])
	}
	if rest, ok := strings.CutPrefix(msg, "proto:"); ok {
		msg = strings.TrimLeft(rest, " \u00a0")
	}
	return msg
}

package istiovalid

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
)

// TestProxyConfigReleaseGates pins the injector's check of
// proxy.istio.io/config at each boundary where it changed between 1.22
// and 1.31 (releases.go, proxyconfig_fields.go; the commits are cited by
// case). want, by release, as TestReleaseGates: "" no issue with msg at
// path, "error", "warning", or (for a case without msg) "dropped" when
// the release does not know the field at path and drops it.
func TestProxyConfigReleaseGates(t *testing.T) {
	for _, tc := range []struct {
		name, raw, path, msg string
		want                 map[int]string
	}{
		// 9eed7253a5c (#54690), 1.25.0: a warning, which the injector drops
		{name: "ISTIO_META_DNS_AUTO_ALLOCATE", raw: `{"proxyMetadata": {"ISTIO_META_DNS_AUTO_ALLOCATE": "true"}}`,
			path: "proxyMetadata.ISTIO_META_DNS_AUTO_ALLOCATE", msg: "is deprecated",
			want: map[int]string{22: "", 24: "", 25: "warning", 31: "warning"}},
		// a09d83baa4c (#55545), 1.26.0: ValidateTLS with namespace "" refuses every configmap:// credential
		{name: "configmap:// tracing credential", raw: `{"tracing": {"tlsSettings": {"mode": "SIMPLE", "credentialName": "configmap://istio-system/ca"}}}`,
			path: "tracing.tlsSettings.credentialName", msg: "namespace must match the configuration namespace",
			want: map[int]string{22: "", 25: "", 26: "error", 31: "error"}},
		{name: "malformed configmap:// tracing credential", raw: `{"tracing": {"tlsSettings": {"mode": "SIMPLE", "credentialName": "configmap://"}}}`,
			path: "tracing.tlsSettings.credentialName", msg: "invalid configmap:// credentialName",
			want: map[int]string{25: "", 26: "error"}},
		// dc816f56c6e (#60576), 1.31.0; istio/api 2971a86a8 (#3707) adds the field for 1.31
		{name: "negative connectionSettings timeout", raw: `{"connectionSettings": {"httpIdleTimeout": "-1s"}}`,
			path: "connectionSettings", msg: "http_idle_timeout must be non-negative",
			want: map[int]string{22: "", 30: "", 31: "error"}},
		{name: "connectionSettings unknown before 1.31", raw: `{"connectionSettings": {"httpIdleTimeout": "-1s"}}`,
			path: "connectionSettings", want: map[int]string{22: "dropped", 30: "dropped", 31: ""}},
		// a value 1.31's decoder refuses is skipped unread by 1.30's
		{name: "connectionSettings of the wrong type", raw: `{"connectionSettings": {"httpIdleTimeout": 5}}`,
			path: "", msg: "failed to convert to apply proxy config",
			want: map[int]string{30: "", 31: "error"}},
		// istio/api 9723aca52 (#3323), 1.24.0
		{name: "setCurrentClientCertDetails", raw: `{"proxyHeaders": {"setCurrentClientCertDetails": {"uri": true}}}`,
			path: "proxyHeaders.setCurrentClientCertDetails", want: map[int]string{22: "dropped", 23: "dropped", 24: ""}},
		// c5fb47474 (#3350) and e14257a70 (#3322), 1.25.0
		{name: "preserveHttp1HeaderCase", raw: `{"proxyHeaders": {"preserveHttp1HeaderCase": true, "server": {"disabled": true}}}`,
			path: "proxyHeaders.preserveHttp1HeaderCase", want: map[int]string{24: "dropped", 25: ""}},
		{name: "enableIstioTags by its proto name", raw: `{"tracing": {"enable_istio_tags": false}}`,
			path: "tracing.enableIstioTags", want: map[int]string{24: "dropped", 25: ""}},
		// e716877a1 (#3532), 1.28.0
		{name: "xForwardedHost", raw: "proxy_headers:\n  x_forwarded_host: {enabled: true}\n",
			path: "proxyHeaders.xForwardedHost", want: map[int]string{27: "dropped", 28: ""}},
		// 3c355c520 (#3620), 6a8b7c658 (#3624), 6caf94532 (#3628), 1.29.0
		{name: "fileFlushInterval", raw: `{"fileFlushInterval": "5s", "statsCompression": true}`,
			path: "fileFlushInterval", want: map[int]string{28: "dropped", 29: ""}},
		{name: "statsCompression", raw: `{"fileFlushInterval": "5s", "statsCompression": true}`,
			path: "statsCompression", want: map[int]string{28: "dropped", 29: ""}},
		// fields every release knows are kept
		{name: "holdApplicationUntilProxyStarts", raw: `{"holdApplicationUntilProxyStarts": true}`,
			path: "holdApplicationUntilProxyStarts", want: map[int]string{22: ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for r, want := range tc.want {
				is, dropped := ProxyConfigAnnotationAt(ReleaseOf(r), tc.raw)
				got := ""
				for _, d := range dropped {
					if tc.msg == "" && d.Path == tc.path {
						got = "dropped"
					}
				}
				for _, i := range is {
					if tc.msg == "" || i.Path != tc.path || !strings.Contains(i.Msg, tc.msg) {
						continue
					}
					switch {
					case i.Patches != "":
						got = "~" + i.Patches
					case i.Warning:
						got = "warning"
					default:
						got = "error"
					}
				}
				if got != want {
					t.Errorf("Istio %s: %q at %q: got %q, want %q; issues %v, dropped %v", ReleaseOf(r), tc.msg, tc.path, got, want, is, dropped)
				}
			}
		})
	}
}

// TestDroppingKeepsTheRest: a field a release lacks goes, its siblings and
// the text's other fields stay, numbers as written.
func TestDroppingKeepsTheRest(t *testing.T) {
	pc, dropped, err := ApplyProxyConfigAt(ReleaseOf(27), `{"concurrency": 3, "proxyHeaders": {"xForwardedPort": {"enabled": true}, "server": {"disabled": true}}, "drainDuration": "10s"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 1 || dropped[0] != (DroppedField{Path: "proxyHeaders.xForwardedPort", Since: ReleaseOf(28)}) {
		t.Errorf("dropped %v, want proxyHeaders.xForwardedPort (1.28)", dropped)
	}
	if pc.GetConcurrency().GetValue() != 3 || !pc.GetProxyHeaders().GetServer().GetDisabled().GetValue() ||
		pc.GetProxyHeaders().GetXForwardedPort() != nil || pc.GetDrainDuration().AsDuration().Seconds() != 10 {
		t.Errorf("1.27's ProxyConfig: %v", pc)
	}
	// text that is not an object is the decoder's to judge, as it was
	for _, raw := range []string{`[]`, `"x"`, `null`, `{"connectionSettings": `} {
		_, d1, e1 := ApplyProxyConfigAt(ReleaseOf(22), raw)
		_, _, e2 := ApplyProxyConfigAt(Latest, raw)
		if d1 != nil || (e1 == nil) != (e2 == nil) {
			t.Errorf("%q: 1.22 drops %v and says %v; 1.31 says %v", raw, d1, e1, e2)
		}
	}
}

// TestProxyConfigFieldsSinceNameRealFields: every field the table names
// is a ProxyConfig field under that JSON name, and protoName gives its
// proto name, so the text's either spelling is dropped.
func TestProxyConfigFieldsSinceNameRealFields(t *testing.T) {
	for _, f := range proxyConfigFieldsSince {
		md := (&meshv1alpha1.ProxyConfig{}).ProtoReflect().Descriptor()
		parts := strings.Split(f.path, ".")
		for i, name := range parts {
			fds := md.Fields()
			fd := fds.ByJSONName(name)
			if fd == nil {
				t.Errorf("%s: ProxyConfig has no field %s", f.path, strings.Join(parts[:i+1], "."))
				break
			}
			if string(fd.Name()) != protoName(name) {
				t.Errorf("%s: proto name %s, protoName says %s", f.path, fd.Name(), protoName(name))
			}
			if i < len(parts)-1 {
				if fd.Kind() != protoreflect.MessageKind {
					t.Errorf("%s: %s is not a message", f.path, name)
					break
				}
				md = fd.Message()
			}
		}
		if f.minor <= OldestMinor || f.minor > AsOfMinor {
			t.Errorf("%s: from 1.%d, outside the releases followed", f.path, f.minor)
		}
	}
	if !slices.IsSortedFunc(proxyConfigFieldsSince, func(a, b struct {
		path  string
		minor int
	}) int {
		return a.minor - b.minor
	}) {
		t.Error("proxyConfigFieldsSince is not in release order")
	}
}

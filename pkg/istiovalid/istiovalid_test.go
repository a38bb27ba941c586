package istiovalid

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"
	security "istio.io/api/security/v1beta1"
)

// The verdicts themselves are held to Istio's functions by the e2e
// module's differential test; these cases pin the paths and the issue's
// examples.
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec proto.Message
		js   string
		path string // of the first error; "" when Istio accepts it
		warn string // a warning's path, when one is expected
	}{
		{"ServiceEntry DNS wildcard host without endpoints", &networking.ServiceEntry{},
			`{"hosts":["*.example.com"],"ports":[{"number":443,"name":"tls","protocol":"TLS"}],"resolution":"DNS"}`, "spec.hosts[0]", ""},
		{"ServiceEntry DNS FQDN", &networking.ServiceEntry{},
			`{"hosts":["api.example.com"],"ports":[{"number":443,"name":"tls","protocol":"TLS"}],"resolution":"DNS"}`, "", ""},
		{"ServiceEntry TCP without addresses, no auto-allocation label", &networking.ServiceEntry{},
			`{"hosts":["db.example.com"],"ports":[{"number":5432,"name":"tcp","protocol":"TCP"}],"resolution":"DNS"}`, "", ""},
		{"ServiceEntry partial wildcard warns", &networking.ServiceEntry{},
			`{"hosts":["*.example.com"],"ports":[{"number":443,"name":"tls","protocol":"TLS"}],"resolution":"NONE"}`, "", ""},
		{"Sidecar empty", &networking.Sidecar{}, `{}`, "spec", ""},
		{"Sidecar egress host without namespace", &networking.Sidecar{}, `{"egress":[{"hosts":["db.example.com"]}]}`, "spec.egress[0].hosts[0]", ""},
		{"Sidecar duplicated egress host", &networking.Sidecar{}, `{"egress":[{"hosts":["./*","./*"]}]}`, "", "spec.egress[0].hosts[1]"},
		{"DestinationRule empty traffic policy", &networking.DestinationRule{}, `{"host":"db","trafficPolicy":{}}`, "spec.trafficPolicy", ""},
		{"DestinationRule MUTUAL without certs", &networking.DestinationRule{},
			`{"host":"db","trafficPolicy":{"tls":{"mode":"MUTUAL"}}}`, "spec.trafficPolicy.tls.clientCertificate", ""},
		{"PeerAuthentication port 0", &security.PeerAuthentication{},
			`{"selector":{"matchLabels":{"app":"db"}},"portLevelMtls":{"0":{"mode":"STRICT"}}}`, `spec.portLevelMtls["0"]`, ""},
		{"AuthorizationPolicy DENY without rules", &security.AuthorizationPolicy{}, `{"action":"DENY"}`, "spec.rules", ""},
		{"AuthorizationPolicy bad port", &security.AuthorizationPolicy{},
			`{"rules":[{"to":[{"operation":{"ports":["http"]}}]}]}`, "spec.rules[0].to[0].operation.ports[0]", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := protojson.Unmarshal([]byte(tc.js), tc.spec); err != nil {
				t.Fatal(err)
			}
			is, ok := Config(Meta{Namespace: "etl", Name: "x"}, tc.spec, true)
			if !ok {
				t.Fatal("kind not validated")
			}
			first := ""
			for _, i := range is {
				if !i.Warning {
					first = i.Path
					break
				}
			}
			if first != tc.path || is.Rejected() != (tc.path != "") {
				t.Fatalf("first error at %q (rejected %v), want %q; issues %v", first, is.Rejected(), tc.path, is)
			}
			if tc.warn != "" && !hasWarning(is, tc.warn) {
				t.Fatalf("no warning at %s: %v", tc.warn, is)
			}
		})
	}
}

func hasWarning(is Issues, path string) bool {
	for _, i := range is {
		if i.Warning && i.Path == path {
			return true
		}
	}
	return false
}

func TestProxyConfigAnnotation(t *testing.T) {
	for _, tc := range []struct {
		raw, field string // field of the first error, "" for none
	}{
		{`{"holdApplicationUntilProxyStarts": true}`, ""},
		{`{"drainDuration": "1m"}`, ""}, // the injector's decoder takes Go durations
		{`{"drainDuration": "0s"}`, "drainDuration"},
		{`{"drainDuration": "1500ms"}`, "drainDuration"},
		{`{"discoveryAddress": "istiod.istio-system.svc"}`, "discoveryAddress"},
		{`{"statusPort": 0}`, "statusPort"},
		{`{"proxyAdminPort": 70000}`, "proxyAdminPort"},
		{`{"tracing": {"zipkin": {"address": "zipkin"}}}`, "tracing.zipkin.address"},
		{`{"controlPlaneAuthPolicy": "INHERIT"}`, "controlPlaneAuthPolicy"},
		{`{"holdApplicationUntilProxyStarts": "yes"}`, ""}, // a decoding error names no field
	} {
		is := ProxyConfigAnnotation(tc.raw)
		if tc.field == "" && strings.Contains(tc.raw, `"yes"`) {
			if !is.Rejected() || is[0].Path != "" {
				t.Errorf("%s: %v, want a decoding error", tc.raw, is)
			}
			continue
		}
		got := ""
		if is.Rejected() {
			got = is[0].Path
		}
		if got != tc.field {
			t.Errorf("%s: first error at %q, want %q (%v)", tc.raw, got, tc.field, is)
		}
	}
}

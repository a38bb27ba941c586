package rules

import (
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

func TestPodLabels(t *testing.T) {
	m := map[string]string{"app": "etl", "tier": "", "sidecar.istio.io/inject": "true"}
	l := packLabels(m)
	if got := l.toMap(); !maps.Equal(got, m) {
		t.Fatalf("toMap = %v, want %v", got, m)
	}
	for k, v := range m {
		if got, ok := l.get(k); !ok || got != v {
			t.Fatalf("get(%q) = %q, %v; want %q, true", k, got, ok, v)
		}
	}
	if _, ok := l.get("version"); ok {
		t.Fatal(`get("version") found a label that is not there`)
	}
	for _, tc := range []struct {
		sel  map[string]string
		want bool
	}{
		{nil, true},
		{map[string]string{"app": "etl"}, true},
		{map[string]string{"app": "etl", "tier": ""}, true},
		{map[string]string{"app": "report"}, false},
		{map[string]string{"version": ""}, true}, // an absent label reads as "", as in a map
		{map[string]string{"app": "etl", "version": "v1"}, false},
	} {
		if got := l.matches(tc.sel); got != tc.want || got != matchLabelsOn(tc.sel, m) {
			t.Fatalf("matches(%v) = %v, want %v (as matchLabelsOn)", tc.sel, got, tc.want)
		}
	}
	// No labels and empty labels stay apart: MB510 tells them apart.
	if packLabels(nil).toMap() != nil {
		t.Fatal("nil labels unpacked to a map")
	}
	if got := packLabels(map[string]string{}).toMap(); got == nil || len(got) != 0 {
		t.Fatalf("empty labels unpacked to %v, want an empty map", got)
	}
}

// TestSpecOfAReleasedObject: the spec Summarize keeps of each kind rules
// read by its spec alone equals the decoded object's, and Spec reads it
// once the object is released.
func TestSpecOfAReleasedObject(t *testing.T) {
	docs := `apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec: {selector: {app: db}, ports: [{name: tcp-pg, port: 5432, targetPort: pg}]}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: strict, namespace: data}
spec: {selector: {matchLabels: {app: db}}, mtls: {mode: STRICT}, portLevelMtls: {"5432": {mode: PERMISSIVE}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: data}
spec: {host: db, exportTo: ["."], trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: data}
spec: {hosts: [api.example.com], ports: [{number: 443, name: https, protocol: TLS}], location: MESH_EXTERNAL, resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: data}
spec: {egress: [{hosts: ["./*", "istio-system/*"]}], outboundTrafficPolicy: {mode: REGISTRY_ONLY}}
`
	objs, probs := manifest.ReadFile("specs.yaml", []byte(docs), manifest.Limits{})
	if len(probs) > 0 || len(objs) != 5 {
		t.Fatalf("%d objects, problems %v", len(objs), probs)
	}
	for _, o := range objs {
		decoded := Spec(o)
		if decoded == nil {
			t.Fatalf("%s: no spec", o.Kind)
		}
		Summarize(o)
		o.ReleaseTypedKeeping(MetadataRead(o.Kind))
		kept := Spec(o)
		if kept == nil || kept == decoded {
			t.Fatalf("%s: released, Spec = %p, want a copy of %p", o.Kind, kept, decoded)
		}
		if diff := cmp.Diff(decoded, kept, protocmp.Transform()); diff != "" {
			t.Errorf("%s: the kept spec differs (-decoded +kept):\n%s", o.Kind, diff)
		}
	}
	if got := ServiceSpec(objs[0]).Ports[0].TargetPort.String(); got != "pg" {
		t.Errorf("Service targetPort = %q, want pg", got)
	}
	if got := Sidecar(objs[4]).GetOutboundTrafficPolicy().GetMode().String(); got != "REGISTRY_ONLY" {
		t.Errorf("Sidecar outbound mode = %q, want REGISTRY_ONLY", got)
	}
}

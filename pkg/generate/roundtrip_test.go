package generate

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// TestRenderedYAMLReadsBackAsTheObjects checks that rendering changes
// nothing the cluster would see: the YAML decodes strictly (the API
// server's rules for Kubernetes kinds, protojson for Istio specs) into
// objects equal to the typed objects built, despite the pruning of nulls
// and empty mappings and the defaults written out.
func TestRenderedYAMLReadsBackAsTheObjects(t *testing.T) {
	for _, dir := range goldenCases(t, "testdata") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, objs, out := generateCase(t, dir)
			read, probs := manifest.ReadFile("out.yaml", out, manifest.Limits{})
			if len(probs) > 0 {
				t.Fatalf("the output does not decode strictly: %v", probs)
			}
			if len(read) != len(objs) {
				t.Fatalf("read %d objects, generated %d", len(read), len(objs))
			}
			for i, o := range objs {
				r := read[i]
				if r.Kind != o.Kind || r.Namespace != o.Namespace || r.Name != o.Name || r.Typed == nil {
					t.Fatalf("object %d: read %s %s/%s (typed %T), want %s", i, r.Kind, r.Namespace, r.Name, r.Typed, o)
				}
				if diff := cmp.Diff(comparableJSON(t, o.Obj), comparableJSON(t, r.Typed)); diff != "" {
					t.Errorf("%s changes when read back (-generated +read):\n%s", o, diff)
				}
			}
		})
	}
}

// comparableJSON marshals an object without its TypeMeta (the manifest
// reader does not fill it for Istio kinds) into a generic value.
func comparableJSON(t *testing.T, obj any) any {
	t.Helper()
	v := reflect.ValueOf(obj).Elem()
	cp := reflect.New(v.Type())
	cp.Elem().Set(v)
	if tm := cp.Elem().FieldByName("TypeMeta"); tm.IsValid() {
		tm.Set(reflect.ValueOf(metav1.TypeMeta{}))
	}
	js, err := json.Marshal(cp.Interface())
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(js, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestProxyConfigAnnotationsParse checks every proxy.istio.io/config the
// cases produce with the parser lint uses (a ProxyConfig, unknown fields
// rejected), and that SECRET_TTL is a Go duration, which pilot-agent
// requires.
func TestProxyConfigAnnotationsParse(t *testing.T) {
	seen := 0
	for _, dir := range goldenCases(t, "testdata") {
		job, _, _ := generateCase(t, dir)
		raw := job.proxyConfigAnnotation()
		if raw == "" {
			continue
		}
		seen++
		pc, err := mesh.ParseProxyConfig(raw)
		if err != nil {
			t.Errorf("%s: %s: %v", dir, raw, err)
			continue
		}
		if got, want := pc.GetHoldApplicationUntilProxyStarts().GetValue(), job.Mode == ModeClassicSidecar; got != want {
			t.Errorf("%s: holdApplicationUntilProxyStarts = %v, want %v (mode %s)", dir, got, want, job.Mode)
		}
		if ttl, ok := pc.GetProxyMetadata()["SECRET_TTL"]; ok {
			d, err := time.ParseDuration(ttl)
			if err != nil || d != job.CertTTL {
				t.Errorf("%s: SECRET_TTL %q parses as %v (%v), want %v", dir, ttl, d, err, job.CertTTL)
			}
		}
	}
	if seen < 3 {
		t.Fatalf("only %d cases carry proxy.istio.io/config; the test needs classic, certTTL and DNS capture cases", seen)
	}
}

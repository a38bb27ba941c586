package rules

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

func TestPodLabels(t *testing.T) {
	m := map[string]string{"app": "etl", "tier": "", "sidecar.istio.io/inject": "true"}
	l := packLabels(m)
	if got := l.ToMap(); !maps.Equal(got, m) {
		t.Fatalf("toMap = %v, want %v", got, m)
	}
	for k, v := range m {
		if got, ok := l.Get(k); !ok || got != v {
			t.Fatalf("get(%q) = %q, %v; want %q, true", k, got, ok, v)
		}
	}
	if _, ok := l.Get("version"); ok {
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
		if got := l.Matches(tc.sel); got != tc.want || got != matchLabelsOn(tc.sel, m) {
			t.Fatalf("matches(%v) = %v, want %v (as matchLabelsOn)", tc.sel, got, tc.want)
		}
	}
	// No labels and empty labels stay apart: MB510 tells them apart.
	if packLabels(nil).ToMap() != nil {
		t.Fatal("nil labels unpacked to a map")
	}
	if got := packLabels(map[string]string{}).ToMap(); got == nil || len(got) != 0 {
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
		o.ReleaseTypedKeeping(true, true)
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

// TestSummaryFromSummaryFields: a workload decoded only in its
// SummaryFields (as the lint engine decodes those it releases at once)
// gets the summary, labels, annotations and template annotations the whole
// object gives, on every workload of the fixtures, testdata, examples and
// shared corpus.
func TestSummaryFromSummaryFields(t *testing.T) {
	dirs := []string{filepath.Join("checks", "testdata"), filepath.Join("..", "..", "testdata"), filepath.Join("..", "..", "examples"),
		filepath.Join("..", "..", "..", "shared", "corpus")}
	type seen struct {
		summary            workloadSummary // its labels, in no order, as podLabels below
		PodLabels          map[string]string
		labels, annots     map[string]string
		template           map[string]string
		templatePath, kind string
	}
	of := func(o *manifest.Object) (seen, bool) {
		w := WorkloadOf(o)
		if w == nil {
			return seen{}, false
		}
		ann, path := TemplateAnnotations(o)
		s := w.summary
		s.labels = nil
		return seen{s, w.summary.labels.ToMap(), o.Labels, o.Annotations, ann, path, o.Kind}, true
	}
	workloads, partly, fields := 0, 0, map[string]bool{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || (filepath.Ext(p) != ".yaml" && filepath.Ext(p) != ".yml") {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for i, c := range manifest.SplitDocuments(data) {
				whole, _ := manifest.ReadDocument(p, i, c, manifest.Limits{})
				part, _ := manifest.ReadDocumentPartly(p, i, c, manifest.Limits{}, SummaryFields)
				if len(whole) == 0 && len(part) == 1 && part[0].Partial() {
					continue // a strict error in a field left out: the pass reports it (lint's TestPassesChangeNothing)
				}
				if len(whole) != len(part) {
					t.Errorf("%s, document %d: %d objects whole, %d in part", p, i, len(whole), len(part))
					continue
				}
				for j := range whole {
					want, ok := of(whole[j])
					if !ok {
						continue
					}
					workloads++
					if part[j].Partial() {
						partly++
					}
					got, _ := of(part[j])
					if diff := cmp.Diff(want, got, cmp.AllowUnexported(seen{}, workloadSummary{}, ContainerPort{})); diff != "" {
						t.Errorf("%s, document %d: %s %s decoded in part differs (-whole +part):\n%s", p, i, whole[j].Kind, whole[j].Name, diff)
					}
					s := want.summary
					fields["hostNetwork"] = fields["hostNetwork"] || s.hostNetwork
					fields["injectedProxy"] = fields["injectedProxy"] || s.injectedProxy
					fields["ports"] = fields["ports"] || len(s.ports) > 0
					fields["serviceAccount"] = fields["serviceAccount"] || s.serviceAccount != "default"
					fields["dnsCapture"] = fields["dnsCapture"] || s.dnsCapture
					fields["jobStart"] = fields["jobStart"] || s.jobStart != 0
					fields["jobDeadline"] = fields["jobDeadline"] || s.jobDeadline != 0
				}
			}
			return nil
		})
		if err != nil && !(errors.Is(err, fs.ErrNotExist) && strings.Contains(dir, "shared")) {
			t.Fatal(err)
		}
	}
	if workloads < 100 || partly < workloads/2 {
		t.Fatalf("%d workloads, %d of them decoded in part: the inputs were not read", workloads, partly)
	}
	for _, f := range []string{"hostNetwork", "injectedProxy", "ports", "serviceAccount", "dnsCapture", "jobStart", "jobDeadline"} {
		if !fields[f] {
			t.Errorf("no workload of the inputs sets %s in its summary: the comparison does not cover it", f)
		}
	}
}

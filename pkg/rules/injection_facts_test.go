package rules

import (
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// TestInjectionFromCluster: a namespace that is not in the input is
// decided by the facts file's namespaces; one in the input by its labels,
// whatever the facts file says.
func TestInjectionFromCluster(t *testing.T) {
	job := func(ns, name, labels string) string {
		return "apiVersion: batch/v1\nkind: Job\nmetadata: {name: " + name + ", namespace: " + ns + "}\n" +
			"spec:\n  template:\n    metadata:\n      labels: {" + labels + "}\n    spec:\n      restartPolicy: Never\n      containers: [{name: app, image: x}]\n"
	}
	docs := []string{
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: inputns}\n", // no labels: not injected, whatever the cluster says
		job("inputns", "plain", ""),
		job("batch", "plain", ""),
		job("batch", "opt-out", `sidecar.istio.io/inject: "false"`),
		job("tools", "plain", ""),
		job("tools", "opt-in", `sidecar.istio.io/inject: "true"`),
		job("legacy", "opt-in", `sidecar.istio.io/inject: "true"`),
		job("analytics", "plain", ""),
		job("analytics", "opt-in", `sidecar.istio.io/inject: "true"`),
		job("analytics", "no-ambient", "istio.io/dataplane-mode: none"),
		job("unknown", "plain", ""),
	}
	objs, probs := manifest.ReadFile("w.yaml", []byte(strings.Join(docs, "---\n")), manifest.Limits{})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	ix := NewIndex(objs)
	ix.SetClusterNamespaces(map[string]mesh.Namespace{
		"inputns":   {Injection: mesh.InjectSidecar, Revision: "r1"},
		"batch":     {Injection: mesh.InjectSidecar, Revision: "r1"},
		"tools":     {Injection: mesh.InjectNone},
		"legacy":    {Injection: mesh.InjectDisabled},
		"analytics": {Injection: mesh.InjectAmbient},
	})
	want := map[string]struct {
		sidecar mesh.Tri
		ambient bool
		reason  string
	}{
		"inputns/plain":        {mesh.No, false, "neither namespace inputns nor the pod template"},
		"batch/plain":          {mesh.Yes, false, "injected by revision r1 in the cluster (facts file)"},
		"batch/opt-out":        {mesh.No, false, `sidecar.istio.io/inject is "false"`},
		"tools/plain":          {mesh.No, false, "no injection label in the cluster (facts file)"},
		"tools/opt-in":         {mesh.Yes, false, `sidecar.istio.io/inject is "true"`},
		"legacy/opt-in":        {mesh.No, false, "no injector webhook selects namespace legacy"},
		"analytics/plain":      {mesh.No, true, "ambient in the cluster (facts file)"},
		"analytics/opt-in":     {mesh.Yes, true, `sidecar.istio.io/inject is "true"`},
		"analytics/no-ambient": {mesh.No, false, "ambient in the cluster"},
		"unknown/plain":        {mesh.Unknown, false, "is not in the input"},
	}
	for _, w := range ix.Workloads {
		id := w.Namespace + "/" + w.Object.Name
		got := ix.Injection(w)
		wt, ok := want[id]
		if !ok {
			t.Fatalf("no expectation for %s", id)
		}
		if got.Sidecar != wt.sidecar || got.Ambient != wt.ambient || !strings.Contains(got.Reason, wt.reason) {
			t.Errorf("%s: sidecar %v, ambient %v, %q; want %v, %v, a reason with %q", id, got.Sidecar, got.Ambient, got.Reason, wt.sidecar, wt.ambient, wt.reason)
		}
		delete(want, id)
	}
	if len(want) > 0 {
		t.Errorf("workloads not found: %v", want)
	}
}

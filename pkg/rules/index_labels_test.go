package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// TestSelectedWorkloads checks SelectedWorkloads against matching every
// workload of the namespace, in a namespace small enough to be scanned
// and in one large enough for the index by label, on random labels and
// selectors.
func TestSelectedWorkloads(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	values := []string{"a", "b", "c"}
	var docs []string
	sizes := map[string]int{"small": scanNamespace / 2, "large": 3 * scanNamespace}
	for _, ns := range []string{"small", "large"} {
		for i := range sizes[ns] {
			var labels []string
			for _, k := range []string{"app", "tier", "version"} {
				if rng.IntN(4) > 0 {
					labels = append(labels, fmt.Sprintf("%s: %s", k, values[rng.IntN(len(values))]))
				}
			}
			docs = append(docs, fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%d, namespace: %s}\n"+
				"spec:\n  template:\n    metadata:\n      labels: {%s}\n    spec:\n      containers: [{name: app, image: x}]\n",
				i, ns, strings.Join(labels, ", ")))
		}
	}
	objs, probs := manifest.ReadFile("w.yaml", []byte(strings.Join(docs, "---\n")), manifest.Limits{})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	ix := NewIndex(objs)
	if got := len(ix.byLabel); got == 0 {
		t.Fatal("no label index for the large namespace")
	}
	for _, ns := range []string{"small", "large"} {
		if got := len(ix.WorkloadsIn(ns)); got != sizes[ns] {
			t.Fatalf("%s: %d workloads, want %d", ns, got, sizes[ns])
		}
		for range 200 {
			sel := map[string]string{}
			for _, k := range []string{"app", "tier", "version"} {
				if rng.IntN(3) == 0 {
					sel[k] = values[rng.IntN(len(values))]
				}
			}
			var want []Peer
			for _, w := range ix.WorkloadsIn(ns) {
				if matchLabelsOn(sel, w.Labels().ToMap()) {
					want = append(want, w)
				}
			}
			if got := ix.SelectedWorkloads(ns, sel); !slices.Equal(got, want) {
				t.Fatalf("%s, selector %v: %d workloads, want %d", ns, sel, len(got), len(want))
			}
		}
	}
}

// TestInNamespace checks InNamespace against a scan of every object, on
// Services of random namespaces in random order (so byNamespace sorts
// them) and in order (so it shares byKind's list), with the default
// namespace among them.
func TestInNamespace(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	namespaces := []string{"", "a", "b", "batch", "default", "z"}
	for _, inOrder := range []bool{false, true} {
		var docs []string
		for i := range 60 {
			ns := namespaces[rng.IntN(len(namespaces))]
			if inOrder { // "" reads as "default": leave it out
				ns = namespaces[1+i*(len(namespaces)-1)/60]
			}
			docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: s%d, namespace: %q}\nspec: {ports: [{port: 80}]}\n", i, ns))
		}
		objs, probs := manifest.ReadFile("s.yaml", []byte(strings.Join(docs, "---\n")), manifest.Limits{})
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		ix := NewIndex(objs)
		if shared := &ix.byKindNS["Service"][0] == &ix.byKind["Service"][0]; shared != inOrder {
			t.Errorf("in order %v: byKindNS shares byKind's list: %v", inOrder, shared)
		}
		for _, ns := range append(namespaces, "missing") {
			var want []*manifest.Object
			for _, o := range objs {
				if NamespaceOf(o) == ns {
					want = append(want, o)
				}
			}
			if got := ix.InNamespace("Service", ns); !slices.Equal(got, want) {
				t.Errorf("in order %v: InNamespace(Service, %q) = %d objects, want %d in input order", inOrder, ns, len(got), len(want))
			}
		}
		if got := ix.InNamespace("Sidecar", "a"); got != nil {
			t.Errorf("InNamespace(Sidecar, a) = %v, want nil", got)
		}
	}
}

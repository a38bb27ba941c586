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
			var want []*Workload
			for _, w := range ix.WorkloadsIn(ns) {
				if matchLabelsOn(sel, w.summary.labels.toMap()) {
					want = append(want, w)
				}
			}
			if got := ix.SelectedWorkloads(ns, sel); !slices.Equal(got, want) {
				t.Fatalf("%s, selector %v: %d workloads, want %d", ns, sel, len(got), len(want))
			}
		}
	}
}

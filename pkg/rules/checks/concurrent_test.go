package checks_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/internal/corpusgen"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestRulesConcurrently runs every rule at once on one index whose caches
// are cold, so that the per-template caches are built by whichever rule
// gets there first, and compares each rule's diagnostics with a run of the
// rules one after the other on a fresh index. Run it with -race.
func TestRulesConcurrently(t *testing.T) {
	var objs []*manifest.Object
	for _, f := range corpusgen.Generate(corpusgen.Options{Objects: 400}) {
		o, _ := manifest.ReadFile(f.Name, f.Data, manifest.Limits{})
		objs = append(objs, o...)
	}
	facts := mesh.Facts{IstioVersion: mesh.Version{Major: 1, Minor: 28}, KubernetesVersion: mesh.Version{Major: 1, Minor: 31}}
	var selected []*rules.Rule
	for _, r := range checks.All() {
		if r.Check != nil {
			selected = append(selected, r)
		}
	}
	run := func(ix *rules.Index, r *rules.Rule, f mesh.Facts) []string {
		var out []string
		p := rules.NewPass(r, ix, f, false, func(d rules.Diagnostic) {
			out = append(out, fmt.Sprintf("%s %s %s %s %s", d.Rule.ID, d.Severity, d.Object.Ref(), d.Path, d.Message))
		})
		r.Check(p)
		return out
	}
	want := make([][]string, len(selected))
	seq := rules.NewIndex(objs)
	for i, r := range selected {
		want[i] = run(seq, r, facts)
	}
	got := make([][]string, len(selected))
	par := rules.NewIndex(objs)
	var wg sync.WaitGroup
	for i, r := range selected {
		wg.Go(func() { got[i] = run(par, r, facts) })
	}
	wg.Wait()
	n := 0
	for i, r := range selected {
		n += len(want[i])
		if diff := cmp.Diff(want[i], got[i]); diff != "" {
			t.Errorf("%s differs when the rules run at once (-one by one +at once):\n%s", r.ID, diff)
		}
	}
	if n == 0 {
		t.Fatal("no diagnostics at all")
	}

	// The same index with other facts: verdicts that depend on them are
	// worked out again, not taken from the cache.
	other := mesh.Facts{IstioVersion: mesh.Version{Major: 1, Minor: 22}, KubernetesVersion: mesh.Version{Major: 1, Minor: 28}, NativeSidecars: "true"}
	fresh := rules.NewIndex(objs)
	for _, r := range selected {
		if diff := cmp.Diff(run(fresh, r, other), run(par, r, other)); diff != "" {
			t.Errorf("%s with other facts on a used index (-fresh index +used):\n%s", r.ID, diff)
		}
	}
}

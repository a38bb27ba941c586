package rules

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// TestFixingCostsNothingUnwanted holds a report with a fix, in a run that
// does not want fixes, to the allocations of a plain report: the fix's
// closure stays on the rule's stack.
func TestFixingCostsNothingUnwanted(t *testing.T) {
	r := &Rule{ID: "MB999", Severity: Warning}
	diags := make([]Diagnostic, 0, 1000)
	p := NewPass(r, nil, mesh.Facts{}, false, func(d Diagnostic) { diags = append(diags, d) })
	obj := &manifest.Object{Kind: "Job", Name: "etl"}
	key := "sidecar.istio.io/inject"
	var big struct { // large enough to be captured by reference
		keys [32]string
	}
	plain := testing.AllocsPerRun(100, func() {
		diags = diags[:0]
		p.Reportf(obj, "metadata.labels", "%s is wrong", key)
	})
	fixing := testing.AllocsPerRun(100, func() {
		diags = diags[:0]
		p.ReportFixf(Offer{Description: "move it", Build: func(ed *manifest.Editor) error {
			return ed.Delete("metadata.labels" + manifest.Key(big.keys[0]+key))
		}}, obj, "metadata.labels", "%s is wrong", key)
	})
	if fixing > plain {
		t.Errorf("a report with a fix allocates %.0f times, a plain one %.0f", fixing, plain)
	}
}

// TestFixErrors holds buildFix to its contract: the editor declining
// (manifest.ErrNoEdit, wrapped or not) is no fix and no error; any other
// error is no fix, recorded in Pass.FixErrors for the engine to report.
func TestFixErrors(t *testing.T) {
	r := &Rule{ID: "MB999", Severity: Warning}
	var diags []Diagnostic
	p := NewPass(r, nil, mesh.Facts{}, false, func(d Diagnostic) { diags = append(diags, d) })
	p.Fixes = true
	obj := &manifest.Object{File: "etl.yaml", Kind: "Job", Namespace: "batch", Name: "etl"}
	boom := errors.New("boom")
	changed := fmt.Errorf("etl.yaml: the document of Job etl %w", manifest.ErrChanged)
	for _, err := range []error{manifest.ErrNoEdit, fmt.Errorf("no place for it: %w", manifest.ErrNoEdit), boom, changed} {
		p.ReportFixf(Offer{Description: "d", Build: func(*manifest.Editor) error { return err }}, obj, "metadata", "wrong")
	}
	for i, d := range diags {
		if d.Fix != nil {
			t.Errorf("report %d: a fix whose build failed is offered: %+v", i, d.Fix)
		}
	}
	if len(p.FixErrors) != 2 || !errors.Is(p.FixErrors[0], boom) || !errors.Is(p.FixErrors[1], manifest.ErrChanged) {
		t.Fatalf("FixErrors = %v, want the two errors that are not ErrNoEdit", p.FixErrors)
	}
	// A failure is a bug to report; a file saved meanwhile is not.
	for i, want := range []string{
		"etl.yaml: MB999: building the fix for Job batch/etl failed: boom; this is a bug in meshbatch, please report it (the finding is reported without a fix)",
		"etl.yaml: MB999: the fix for Job batch/etl was not built: etl.yaml: the document of Job etl changed since it was read; run meshbatch again",
	} {
		if got := p.FixErrors[i].Error(); got != want {
			t.Errorf("FixErrors[%d] = %q, want %q", i, got, want)
		}
	}
}

// TestFixNeedsFacts: a fix declined for missing facts is no fix and no
// error, and the diagnostic names the facts, wrapped or not.
func TestFixNeedsFacts(t *testing.T) {
	r := &Rule{ID: "MB999", Severity: Warning}
	var diags []Diagnostic
	p := NewPass(r, nil, mesh.Facts{}, false, func(d Diagnostic) { diags = append(diags, d) })
	p.Fixes = true
	obj := &manifest.Object{File: "etl.yaml", Kind: "Job", Namespace: "batch", Name: "etl"}
	needs := &NeedsFacts{Facts: []string{FactIstioVersion, FactKubeletVersion}}
	for _, err := range []error{needs, fmt.Errorf("not certain: %w", needs), manifest.ErrNoEdit} {
		p.ReportFixf(Offer{Description: "d", Build: func(*manifest.Editor) error { return err }}, obj, "metadata", "wrong")
	}
	if len(p.FixErrors) != 0 {
		t.Fatalf("FixErrors = %v, want none", p.FixErrors)
	}
	for i, d := range diags {
		want := []string{FactIstioVersion, FactKubeletVersion}
		if i == 2 {
			want = nil // declined for another reason
		}
		if d.Fix != nil || !slices.Equal(d.FixNeedsFacts, want) {
			t.Errorf("report %d: fix %v, needs %q; want no fix, needs %q", i, d.Fix, d.FixNeedsFacts, want)
		}
	}
	// a run that wants no fixes builds none, so knows of no missing fact
	p.Fixes, diags = false, nil
	p.ReportFixf(Offer{Description: "d", Build: func(*manifest.Editor) error { return needs }}, obj, "metadata", "wrong")
	if diags[0].FixNeedsFacts != nil {
		t.Errorf("needs %q without Fixes", diags[0].FixNeedsFacts)
	}
}

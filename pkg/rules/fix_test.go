package rules

import (
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

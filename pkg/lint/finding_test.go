package lint

import (
	"context"
	"slices"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestFindingSize holds Run's form of a finding at 80 bytes: there is one
// for every finding of the input, and on a repository meshbatch was just
// adopted for, most workloads have one or more.
func TestFindingSize(t *testing.T) {
	if n := unsafe.Sizeof(finding{}); n > 80 {
		t.Errorf("a finding is %d bytes, want at most 80", n)
	}
}

// TestFindings: Run's lists render what a list of the same findings built
// by hand holds, and the accessors agree.
func TestFindings(t *testing.T) {
	dir := writeFiles(t, map[string]string{"job.yaml": jobYAML})
	res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{testRule}})
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Collect(res.Findings.All())
	if len(got) != 3 || res.Findings.Len() != 3 {
		t.Fatalf("%d findings (Len %d), want 3", len(got), res.Findings.Len())
	}
	byHand := FindingsOf(got...)
	for i := range got {
		if diff := cmp.Diff(got[i], res.Findings.At(i)); diff != "" {
			t.Errorf("At(%d) differs from All (-All +At):\n%s", i, diff)
		}
		if diff := cmp.Diff(byHand.At(i), res.Findings.At(i)); diff != "" {
			t.Errorf("At(%d) differs from FindingsOf (-FindingsOf +Run):\n%s", i, diff)
		}
		if byHand.severity(i) != res.Findings.severity(i) || got[i].Severity != res.Findings.severity(i) {
			t.Errorf("finding %d: severity %v, %v and %v", i, got[i].Severity, byHand.severity(i), res.Findings.severity(i))
		}
	}
	for range res.Findings.All() {
		break // All stops when asked to
	}
	if (Findings{}).Len() != 0 || FindingsOf().Len() != 0 {
		t.Error("an empty list is not empty")
	}
}

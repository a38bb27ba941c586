package lint

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// messageBaseline records the findings whose message contains one of
// its strings, and reports the strings nothing matched as stale.
type messageBaseline []string

func (messageBaseline) Origin() string { return "baseline test.json" }

func (b messageBaseline) Match(fs []Finding) ([]bool, []StaleEntry) {
	recorded := make([]bool, len(fs))
	used := map[string]bool{}
	for i, f := range fs {
		for _, s := range b {
			if strings.Contains(f.Message, s) {
				recorded[i], used[s] = true, true
			}
		}
	}
	var stale []StaleEntry
	for _, s := range b {
		if !used[s] {
			stale = append(stale, StaleEntry{RuleID: "MB999", Message: s, Count: 1})
		}
	}
	return recorded, stale
}

// TestBaseline: a baseline sees the findings no suppression hid, before
// --min-severity does; what it records is hidden, marked and does not
// count for the exit code; its stale entries are listed, except on
// partial input.
func TestBaseline(t *testing.T) {
	dir := writeFiles(t, map[string]string{"job.yaml": jobYAML, "other.yaml": strings.Replace(jobYAML, "name: etl", "name: other", 1)})
	sup := Suppression{Rules: []string{"MB999"}, Names: []string{"other"}, Origin: "--suppress", Source: SuppressedByFlag}
	opts := Options{
		Rules:        []*rules.Rule{testRule},
		Suppressions: []Suppression{sup},
		MinSeverity:  rules.Error,
		Baseline:     messageBaseline{"is a Job", "is missing", "Job batch/gone"},
	}
	res, err := Run(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantBaselined := []string{"MB999/warning: Job batch/etl is a Job", "MB999/warning: ServiceAccount runner of Job batch/etl is missing"}
	if diff := cmp.Diff(wantBaselined, ids(res.Baselined)); diff != "" {
		t.Errorf("baselined (-want +got):\n%s", diff)
	}
	for f := range res.Baselined.All() {
		if f.Suppressed != "baseline test.json" || f.SuppressedBy != SuppressedByBaseline {
			t.Errorf("baselined finding marked %q by %q", f.Suppressed, f.SuppressedBy)
		}
	}
	// The info is left, below --min-severity; the suppressed Job's three
	// findings never reach the baseline.
	if res.Findings.Len() != 0 || res.Stats.Hidden != 1 || res.Suppressed.Len() != 3 {
		t.Errorf("shown %v, hidden %d, suppressed %d; want none, 1, 3", ids(res.Findings), res.Stats.Hidden, res.Suppressed.Len())
	}
	if res.Worst() != rules.Info || res.Failed(rules.Warning) {
		t.Errorf("Worst = %v: a baselined warning counts for the exit code", res.Worst())
	}
	if len(res.Stale) != 1 || res.Stale[0].Message != "Job batch/gone" {
		t.Errorf("stale = %+v, want the entry for Job batch/gone", res.Stale)
	}

	opts.Partial = true
	res, err = Run(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stale) != 0 || res.Baselined.Len() != 1 {
		t.Errorf("partial: stale %+v, baselined %v; want no stale entry and the one finding left", res.Stale, ids(res.Baselined))
	}
}

package baseline

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/lint"
)

// hidden runs a matcher over fs and returns the messages it left shown,
// the stale entries, and the matcher.
func hidden(t *testing.T, b *Baseline, add bool, fs []lint.Finding) ([]string, []lint.StaleEntry, *Matcher) {
	t.Helper()
	m := b.Matcher("baseline b.json", add)
	ok, stale := m.Match(fs)
	if len(ok) != len(fs) {
		t.Fatalf("Match returned %d verdicts for %d findings", len(ok), len(fs))
	}
	var shown []string
	for i, f := range fs {
		if !ok[i] {
			shown = append(shown, f.Message)
		}
	}
	return shown, stale, m
}

// TestMatchIgnoresWhereFindingsAre: other files, other lines and another
// order match; a renamed object or another field does not.
func TestMatchIgnoresWhereFindingsAre(t *testing.T) {
	b := FromFindings(testFindings())
	moved := testFindings()
	for i := range moved {
		moved[i].Line += 40
		moved[i].Column = 1
		if moved[i].Object.Kind != "" {
			moved[i].File = "elsewhere/" + moved[i].File
		}
	}
	moved[0], moved[4] = moved[4], moved[0]
	if shown, stale, _ := hidden(t, b, false, moved); len(shown) != 0 || len(stale) != 0 {
		t.Errorf("moved findings: shown %q, stale %+v", shown, stale)
	}

	renamed := testFindings()
	renamed[0].Object.Name = "etl-v2"
	renamed[0].Message = "Job batch/etl-v2 keeps its sidecar"
	renamed[1].FieldPath = "spec.jobTemplate.spec.template.spec"
	renamed[2].File = "deploy/other.yaml" // a document without an object goes by its file
	shown, stale, _ := hidden(t, b, false, renamed)
	if diff := cmp.Diff([]string{"Job batch/etl-v2 keeps its sidecar", "no proxy memory limit", "mapping values are not allowed in this context"}, shown); diff != "" {
		t.Errorf("shown (-want +got):\n%s", diff)
	}
	var names []string
	for _, s := range stale {
		names = append(names, s.String())
	}
	want := []string{
		"MB001 in deploy/broken.yaml",
		"MB101 Job batch/etl at spec.template.spec",
		`MB301 CronJob batch/nightly at spec.jobTemplate.spec.template.metadata.annotations["sidecar.istio.io/proxyMemory"]`,
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("stale (-want +got):\n%s", diff)
	}
}

// TestMatchCounts: an entry hides as many findings as it counts; a
// finding fixed out of several leaves a stale entry with the rest.
func TestMatchCounts(t *testing.T) {
	b := FromFindings(testFindings()) // MB205 on Job batch/etl twice
	fs := append(testFindings(), testFindings()[4])
	shown, stale, m := hidden(t, b, false, fs)
	if len(shown) != 1 || len(stale) != 0 || m.NotAdded() != 1 {
		t.Errorf("a third MB205: shown %q, stale %+v, not added %d; want it shown", shown, stale, m.NotAdded())
	}
	shown, stale, _ = hidden(t, b, false, testFindings()[:5])
	if len(shown) != 0 || len(stale) != 1 || stale[0].Count != 1 || stale[0].RuleID != "MB205" {
		t.Errorf("one MB205 fixed: shown %q, stale %+v; want one stale MB205 with count 1", shown, stale)
	}
}

// TestMatchRewordedMessage: a message that changed (a newer meshbatch, a
// fact given, partial input) stays hidden by the entry at its place, but
// an entry whose message matches exactly goes to its own finding first,
// so the new problem is the one shown.
func TestMatchRewordedMessage(t *testing.T) {
	fs := testFindings()
	b := FromFindings(fs[:1])
	reworded := fs[0]
	reworded.Message = "Job batch/etl may keep its sidecar (assumed injected)"
	if shown, stale, m := hidden(t, b, false, []lint.Finding{reworded}); len(shown) != 0 || len(stale) != 0 {
		t.Errorf("reworded: shown %q, stale %+v", shown, stale)
	} else if got := m.Recorded().Entries; len(got) != 1 || got[0].Message != MessageFingerprint(reworded.Message) {
		t.Errorf("recorded %+v, want the entry under the new message", got)
	}
	other := fs[0]
	other.Message = "Job batch/etl: another problem at the same field"
	other.Line = 1 // sorted before the one the entry recorded
	shown, _, _ := hidden(t, b, false, []lint.Finding{other, fs[0]})
	if !cmp.Equal(shown, []string{other.Message}) {
		t.Errorf("shown %q, want the new problem", shown)
	}
}

// TestRecorded: writing without adding keeps what matched, under the
// findings' keys, and drops the rest; adding records everything.
func TestRecorded(t *testing.T) {
	fs := testFindings()
	b := FromFindings(fs[:3])
	extra := finding("MB102", etl, "deploy/etl.yaml", 30, "spec", "new problem")
	run := append(append([]lint.Finding{}, fs[1:]...), extra) // fs[0] fixed
	_, stale, m := hidden(t, b, false, run)
	if got := m.Recorded(); !cmp.Equal(got, FromFindings(fs[1:3])) {
		t.Errorf("without add: recorded %+v", got.Entries)
	}
	if len(stale) != 1 || m.NotAdded() != 4 || m.Added() != 0 {
		t.Errorf("without add: stale %+v, not added %d, added %d", stale, m.NotAdded(), m.Added())
	}
	shown, _, m := hidden(t, b, true, run)
	if len(shown) != 0 || !cmp.Equal(m.Recorded(), FromFindings(run)) || m.Added() != 4 {
		t.Errorf("with add: shown %q, recorded %+v, added %d", shown, m.Recorded().Entries, m.Added())
	}
	// No baseline at all: everything is new.
	if shown, stale, m := hidden(t, nil, true, run); len(shown) != 0 || len(stale) != 0 || !cmp.Equal(m.Recorded(), FromFindings(run)) {
		t.Errorf("fresh: shown %q, stale %+v", shown, stale)
	}
}

func TestStaleNotices(t *testing.T) {
	var stale []lint.StaleEntry
	for i := range 25 {
		stale = append(stale, lint.StaleEntry{RuleID: "MB101", Kind: "Job", Namespace: "batch", Name: strings.Repeat("x", i+1), FieldPath: "spec", Count: 1 + i%2})
	}
	got := StaleNotices("b.json", stale, false)
	if len(got) != 22 {
		t.Fatalf("%d notices, want a head, 20 entries and a tail:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, want := range map[int]string{
		0:  "baseline b.json: 25 entries matched no finding (fixed, or the object renamed or removed); `meshbatch lint --baseline b.json --write-baseline b.json PATH...` drops them:",
		1:  "  stale: MB101 Job batch/x at spec",
		2:  "  stale: MB101 Job batch/xx at spec (2 findings)",
		21: "  ... and 5 more (the JSON report lists every one)",
	} {
		if got[i] != want {
			t.Errorf("notice %d:\n got %s\nwant %s", i, got[i], want)
		}
	}
	if got := StaleNotices("b.json", stale[:1], true); !cmp.Equal(got, []string{"baseline b.json: dropped 1 entry that matched no finding:", "  stale: MB101 Job batch/x at spec"}) {
		t.Errorf("written: %q", got)
	}
	if StaleNotices("b.json", nil, false) != nil {
		t.Error("notices without a stale entry")
	}
}

// TestMatchAcrossEnvironments: a plain file's finding that only some
// chart environments found is recorded without the note naming them, so
// a run with other environments matches it by its own entry: a new
// problem at the same place is shown, not hidden in its stead, and
// --write-baseline writes the same entry again.
func TestMatchAcrossEnvironments(t *testing.T) {
	job := lint.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "batch", Name: "etl"}
	found := func(msg string, envs ...string) lint.Finding {
		f := lint.Finding{RuleID: "MB304", File: "job.yaml", Line: 6, Column: 5, Object: job,
			FieldPath: "spec.template.metadata", Message: msg, Environments: envs}
		switch len(envs) {
		case 0:
		case 1:
			f.Message += " [environment " + envs[0] + "]"
		default:
			f.Message += " [environments " + strings.Join(envs, ", ") + "]"
		}
		return f
	}
	const scope = "Job batch/etl: no Sidecar resource with egress hosts applies to its pods"
	b := FromFindings([]lint.Finding{found(scope, "staging")})
	for _, envs := range [][]string{{"qa", "staging"}, nil} {
		newProblem := found("Job batch/etl: a Sidecar without egress hosts applies to its pods", envs...)
		shown, stale, m := hidden(t, b, false, []lint.Finding{newProblem, found(scope, envs...)})
		if diff := cmp.Diff([]string{newProblem.Message}, shown); diff != "" || len(stale) != 0 {
			t.Errorf("environments %v: shown (-want +got):\n%s\nstale %+v", envs, diff, stale)
		}
		if diff := cmp.Diff(b.Entries, m.Recorded().Entries); diff != "" {
			t.Errorf("environments %v: the baseline written again differs (-was +now):\n%s", envs, diff)
		}
	}
}

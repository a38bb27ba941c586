package lint

import (
	"fmt"
	"slices"
	"strings"
)

// SuppressedByBaseline is the SuppressedBy of the findings a baseline
// hides (Result.Baselined): they are counted apart from the suppressed
// ones, but every format that lists suppressed findings says the same of
// them, "baseline FILE".
const SuppressedByBaseline = "baseline"

// A Baseline hides the findings an earlier run recorded, so that a run
// fails only on new ones (pkg/baseline reads, matches and writes them).
// Run applies it after suppression and before Options.MinSeverity, so it
// sees every finding that could change the exit code.
type Baseline interface {
	// Origin names the baseline in the findings it hides:
	// "baseline .meshbatch-baseline.json".
	Origin() string
	// Match is given every finding no suppression hid, sorted, and says
	// which of them the baseline records (recorded[i] for findings[i])
	// and which of its entries matched none.
	Match(findings []Finding) (recorded []bool, stale []StaleEntry)
}

// StaleEntry is an entry of a baseline that no finding matched: the
// problem was fixed, or its object renamed or removed. It names what the
// entry recorded; Count is how many of its findings are gone.
type StaleEntry struct {
	RuleID    string
	Kind      string
	Namespace string
	Name      string
	File      string // only for a finding without an object
	FieldPath string
	Message   string // the message's fingerprint
	Count     int
}

// String names what the entry recorded: "MB101 Job batch/etl at
// spec.template.spec (2 findings)", "MB001 in deploy/broken.yaml".
func (s StaleEntry) String() string {
	parts := []string{s.RuleID}
	if ref := (ObjectRef{Kind: s.Kind, Namespace: s.Namespace, Name: s.Name}).String(); ref != "" {
		parts = append(parts, ref)
	}
	if s.File != "" {
		parts = append(parts, "in "+s.File)
	}
	if s.FieldPath != "" {
		parts = append(parts, "at "+s.FieldPath)
	}
	str := strings.Join(parts, " ")
	if s.Count > 1 {
		str += fmt.Sprintf(" (%d findings)", s.Count)
	}
	return str
}

// applyBaseline moves the findings b records from r.Findings to
// r.Baselined and lists its stale entries. Partial input cannot tell a
// fixed finding from one about an object it did not read, so it lists
// none.
func (r *Result) applyBaseline(b Baseline, partial bool) {
	// The baseline matches rendered findings; a run with a baseline pays
	// for rendering them once more.
	recorded, stale := b.Match(slices.Collect(r.Findings.All()))
	by := &suppressedBy{origin: b.Origin(), by: SuppressedByBaseline}
	list := r.Findings.list
	kept := list[:0]
	for i, f := range list {
		if !recorded[i] {
			kept = append(kept, f)
			continue
		}
		f.suppress(by)
		r.Baselined.list = append(r.Baselined.list, f)
	}
	r.Findings.list = kept
	if !partial {
		r.Stale = stale
	}
}

package baseline

import (
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/lint"
)

// Matcher applies a baseline to one lint run (it is lint.Options.Baseline)
// and records what the run found, for --write-baseline.
type Matcher struct {
	base   *Baseline
	origin string
	add    bool

	recorded *Baseline
	matched  int // findings an entry matched
	added    int // findings no entry matched, recorded because of add
	left     int // findings no entry matched, not recorded
}

var _ lint.Baseline = (*Matcher)(nil)

// Matcher returns a matcher for one run, naming the baseline origin in
// the findings it hides ("baseline .meshbatch-baseline.json"). With add,
// every finding counts as recorded, matched by an entry or not: what
// writing a new baseline, or adding to one, does.
func (b *Baseline) Matcher(origin string, add bool) *Matcher {
	if b == nil {
		b = &Baseline{}
	}
	return &Matcher{base: b, origin: origin, add: add}
}

// Origin implements lint.Baseline.
func (m *Matcher) Origin() string { return m.origin }

// Match implements lint.Baseline. A finding matches an entry of the same
// key (rule, object, file for a finding without an object, field path and
// message fingerprint) while that entry has count left. A finding that
// none matches then takes what is left of an entry at the same place
// (the same key but for the message): so a message reworded by a newer
// meshbatch, or by a fact given since, or shorter on partial input, keeps
// the finding hidden, while a new problem at another field or of another
// object does not. Which findings are hidden never depends on their order
// beyond ties between findings that are the same in everything but their
// line.
func (m *Matcher) Match(fs []lint.Finding) ([]bool, []lint.StaleEntry) {
	left := make(map[key]int, len(m.base.Entries))
	atPlace := map[place][]key{} // entries by place, in key order
	for _, e := range m.base.Entries {
		k := e.key()
		left[k] += e.Count
		atPlace[k.place] = append(atPlace[k.place], k)
	}
	keys := make([]key, len(fs))
	ok := make([]bool, len(fs))
	for i := range fs {
		keys[i] = keyOf(&fs[i])
		if left[keys[i]] > 0 {
			left[keys[i]]--
			ok[i] = true
		}
	}
	for i, k := range keys {
		if ok[i] {
			continue
		}
		for _, ek := range atPlace[k.place] {
			if left[ek] > 0 {
				left[ek]--
				ok[i] = true
				break
			}
		}
	}
	counts := map[key]int{}
	m.matched, m.added, m.left = 0, 0, 0
	for i, k := range keys {
		switch {
		case ok[i]:
			m.matched++
		case m.add:
			m.added++
			ok[i] = true
		default:
			m.left++
			continue
		}
		counts[k]++ // under the finding's own key: a reworded message is written anew
	}
	m.recorded = fromCounts(counts)
	var stale []lint.StaleEntry
	for _, e := range m.base.Entries {
		if n := left[e.key()]; n > 0 {
			stale = append(stale, lint.StaleEntry{RuleID: e.Rule, Kind: e.Kind, Namespace: e.Namespace, Name: e.Name,
				File: e.File, FieldPath: e.FieldPath, Message: e.Message, Count: n})
			left[e.key()] = 0
		}
	}
	return ok, stale
}

// Recorded is the baseline --write-baseline writes after the run: the
// findings entries matched, under their current keys, and with add the
// others too. Entries that matched nothing are gone.
func (m *Matcher) Recorded() *Baseline {
	if m.recorded == nil {
		return &Baseline{}
	}
	return m.recorded
}

// Added is how many findings the run recorded that no entry matched
// (only with add); NotAdded how many it left out (only without).
func (m *Matcher) Added() int    { return m.added }
func (m *Matcher) NotAdded() int { return m.left }

// maxStaleNotices bounds the stale entries Notices names one by one; the
// JSON report lists them all.
const maxStaleNotices = 20

// StaleNotices are the notices for a run's stale entries: what they are
// and how to drop them from the file at path, or, when the run wrote the
// file, that they were dropped.
func StaleNotices(path string, stale []lint.StaleEntry, written bool) []string {
	if len(stale) == 0 {
		return nil
	}
	entries, them := fmt.Sprintf("%d entries", len(stale)), "them"
	if len(stale) == 1 {
		entries, them = "1 entry", "it"
	}
	head := fmt.Sprintf("baseline %s: %s matched no finding (fixed, or the object renamed or removed); "+
		"`meshbatch lint --baseline %s --write-baseline %s PATH...` drops %s:", path, entries, path, path, them)
	if written {
		head = fmt.Sprintf("baseline %s: dropped %s that matched no finding:", path, entries)
	}
	out := []string{head}
	for i, s := range stale {
		if i == maxStaleNotices && len(stale) > maxStaleNotices+1 {
			out = append(out, fmt.Sprintf("  ... and %d more (the JSON report lists every one)", len(stale)-i))
			break
		}
		out = append(out, "  stale: "+s.String())
	}
	return out
}

// Package baseline records the findings of a lint run in a file, and hides
// them in later runs, so that a repository can turn meshbatch on with the
// findings it has today and fail only on new ones (meshbatch lint
// --write-baseline, --baseline; docs/baseline.md).
//
// A finding is recorded by what it is about, not where it is: its rule,
// its object (kind, namespace, name), the field path in the object and a
// fingerprint of its message. No line, column or file takes part (except
// for a document that could not be read as an object, which has nothing
// else to go by), so moving an object to another line or file,
// reformatting it or reordering documents keeps its findings hidden, and
// objects that come from no file at all match as well as those that do.
// Renaming the object, or a problem at another field, does not match.
package baseline

import (
	"cmp"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
)

// SchemaVersion is the version of the file's shape (docs/baseline.md):
// adding an optional field keeps it, any other change bumps it.
const SchemaVersion = 1

// Entry is one recorded finding, or Count findings that are the same.
type Entry struct {
	Rule      string `json:"rule"`
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	// File is set only for a finding without an object (a document that
	// does not parse): the slash path as lint was given it.
	File      string `json:"file,omitempty"`
	FieldPath string `json:"fieldPath,omitempty"`
	// Message is MessageFingerprint of the finding's message.
	Message string `json:"message"`
	// Count is how many findings the entry stands for; 0 in the file
	// means 1.
	Count int `json:"count,omitempty"`
}

// Baseline is the set of recorded findings: entries in key order, one per
// key, each with a Count of at least 1.
type Baseline struct {
	Entries []Entry
}

// key is what a finding is matched on; place is the key without the
// message, which a finding falls back to (see Matcher.Match).
type key struct {
	place
	message string
}

type place struct {
	rule, kind, namespace, name, file, fieldPath string
}

func (e Entry) key() key {
	return key{place{e.Rule, e.Kind, e.Namespace, e.Name, e.File, e.FieldPath}, e.Message}
}

func (k key) entry(count int) Entry {
	return Entry{Rule: k.rule, Kind: k.kind, Namespace: k.namespace, Name: k.name, File: k.file,
		FieldPath: k.fieldPath, Message: k.message, Count: count}
}

func compareKeys(a, b key) int {
	return cmp.Or(
		cmp.Compare(a.rule, b.rule), cmp.Compare(a.kind, b.kind), cmp.Compare(a.namespace, b.namespace),
		cmp.Compare(a.name, b.name), cmp.Compare(a.file, b.file), cmp.Compare(a.fieldPath, b.fieldPath),
		cmp.Compare(a.message, b.message))
}

// keyOf is what identifies f in a baseline: its message without the
// chart environments that alone found it, which a run with other
// environments names otherwise.
func keyOf(f *lint.Finding) key {
	k := key{place{rule: f.RuleID, kind: f.Object.Kind, namespace: f.Object.Namespace, name: f.Object.Name,
		fieldPath: f.FieldPath}, MessageFingerprint(f.MessageWithoutEnvironments())}
	if f.Object.Kind == "" {
		k.file = filepath.ToSlash(filepath.Clean(f.File))
	}
	return k
}

// EntryOf is the entry that records f.
func EntryOf(f *lint.Finding) Entry {
	return keyOf(f).entry(1)
}

// lineNumber is a line a message names ("duplicate key "a" (first at
// line 12)"): where the document sits, not what is wrong with it.
var lineNumber = regexp.MustCompile(`\bline \d+`)

// MessageFingerprint identifies a finding's message: lint.Fingerprint of
// the message with runs of white space folded to one space and line
// numbers dropped, so that it names the problem and not where its
// document sits.
func MessageFingerprint(msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	return lint.Fingerprint(lineNumber.ReplaceAllString(msg, "line N"))
}

// fromCounts builds a baseline from counts per key.
func fromCounts(counts map[key]int) *Baseline {
	b := &Baseline{Entries: make([]Entry, 0, len(counts))}
	keys := make([]key, 0, len(counts))
	for k, n := range counts {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	for _, k := range keys {
		b.Entries = append(b.Entries, k.entry(counts[k]))
	}
	return b
}

// FromFindings records findings.
func FromFindings(fs []lint.Finding) *Baseline {
	counts := map[key]int{}
	for i := range fs {
		counts[keyOf(&fs[i])]++
	}
	return fromCounts(counts)
}

// Findings is how many findings the baseline records.
func (b *Baseline) Findings() int {
	n := 0
	for _, e := range b.Entries {
		n += e.Count
	}
	return n
}

package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// Finding is one reported problem, with everything every output format
// needs.
type Finding struct {
	RuleID      string         `json:"ruleId"`
	Slug        string         `json:"slug"`
	Severity    rules.Severity `json:"-"`
	Message     string         `json:"message"`
	Remediation string         `json:"remediation"`
	URL         string         `json:"docUrl"`
	File        string         `json:"file"`
	Line        int            `json:"line"`
	Column      int            `json:"column"`
	FieldPath   string         `json:"fieldPath,omitempty"`
	Object      ObjectRef      `json:"object"`
	// Related are the other objects the finding is about, with the line
	// their document starts on.
	Related []RelatedObject `json:"related,omitempty"`
	// Suppressed says which suppression hid the finding ("" when shown):
	// "annotation meshbatch.dev/ignore on Job batch/etl",
	// ".meshbatch.yaml:12", "--suppress MB301=Job batch/*".
	Suppressed string `json:"-"`
	// SuppressedBy is SuppressedByAnnotation, SuppressedByConfig or
	// SuppressedByFlag when Suppressed is set.
	SuppressedBy string `json:"-"`
	// SuppressReason is the reason the suppression gives, if any.
	SuppressReason string `json:"-"`
}

// RelatedObject is another object a finding is about, and where it is.
type RelatedObject struct {
	File   string    `json:"file"`
	Line   int       `json:"line"`
	Object ObjectRef `json:"object"`
}

// SeeAlso is what the one-line formats append to the message: where the
// related objects are, " (see PeerAuthentication istio-system/default at
// mesh/pa.yaml:3)", or "".
func (f *Finding) SeeAlso() string {
	if len(f.Related) == 0 {
		return ""
	}
	var parts []string
	for _, r := range f.Related {
		parts = append(parts, fmt.Sprintf("%s at %s:%d", r.Object, r.File, r.Line))
	}
	return " (see " + strings.Join(parts, "; ") + ")"
}

// ObjectRef identifies the object a finding is about.
type ObjectRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
}

// String names the object as users write it: "Job batch/etl".
func (o ObjectRef) String() string {
	switch {
	case o.Kind == "":
		return ""
	case o.Name == "" && o.Namespace == "":
		return "unnamed " + o.Kind
	case o.Name == "":
		return "unnamed " + o.Kind + " in namespace " + o.Namespace
	case o.Namespace == "":
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// sortFindings orders findings by file, line, column, rule and message, so
// output never depends on scheduling.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

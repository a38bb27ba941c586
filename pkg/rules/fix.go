package rules

import (
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// Fix is a change that resolves a finding: text edits of the object's
// file, computed from the bytes it was read from, so that a fix touches
// only the bytes it must (see manifest.Editor).
type Fix struct {
	Description string          `json:"description"`
	Edits       []manifest.Edit `json:"edits"`
}

// FixFunc records a fix's edits with an editor of the reported object's
// document. It returns an error, usually manifest.ErrNoEdit, when the fix
// is not certain or the document's shape is one the editor does not edit:
// the finding is then reported without a fix.
type FixFunc func(ed *manifest.Editor) error

// Offer is a fix a report offers: Description says what it does ("drop
// spiffe://"), Build makes its edits. Build runs only when the run wants
// fixes (Pass.Fixes), so a lint run pays nothing for it:
//
//	p.ReportFixf(rules.Offer{Description: "...", Build: func(ed *manifest.Editor) error {
//		return ed.Set(...)
//	}}, obj, path, "...", args...)
//
// The offer is a parameter of its own, not part of a value that holds the
// Pass: escape analysis does not tell a struct's fields apart, and the
// Build closure's captured variables would go to the heap with the Pass's
// content on every report.
type Offer struct {
	Description string
	Build       FixFunc
}

// ReportFixf is Reportf with a fix.
func (p *Pass) ReportFixf(fix Offer, obj *manifest.Object, path, format string, args ...any) {
	p.ReportSeverityFixf(fix, p.Rule.Severity, obj, path, format, args...)
}

// ReportSeverityFixf is ReportSeverityf with a fix.
func (p *Pass) ReportSeverityFixf(fix Offer, sev Severity, obj *manifest.Object, path, format string, args ...any) {
	var f *Fix
	if p.Fixes {
		f = buildFix(obj, fix.Description, fix.Build)
	}
	p.report(Diagnostic{Rule: p.Rule, Severity: sev, Object: obj, Path: path,
		Message: messagef(obj, nil, format, args...), Fix: f})
}

// buildFix runs build with an editor of obj's document: the fix, or nil.
func buildFix(obj *manifest.Object, desc string, build FixFunc) *Fix {
	if obj == nil || build == nil {
		return nil
	}
	ed, err := obj.Editor()
	if err != nil {
		return nil
	}
	if err := build(ed); err != nil || len(ed.Edits()) == 0 {
		return nil
	}
	// a copy: desc is read only, so the Offer that holds it, and the
	// rule's closure with it, need not leave the rule's stack
	return &Fix{Description: strings.Clone(desc), Edits: ed.Edits()}
}

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

// Fixing attaches a fix to the next report: description says what it does
// ("move sidecar.istio.io/inject to the pod template's labels"), build
// makes its edits. build runs only when the run wants fixes (Pass.Fixes),
// so a lint run pays nothing for it:
//
//	p.Fixing("...", func(ed *manifest.Editor) error { return ed.Set(...) }).Reportf(...)
func (p *Pass) Fixing(description string, build FixFunc) Fixing {
	return Fixing{pass: p, desc: description, build: build}
}

// Fixing reports with a fix; see Pass.Fixing. It holds no related objects
// (Because): kept apart, the fix's closure stays on the rule's stack when
// no fix is wanted.
type Fixing struct {
	pass  *Pass
	desc  string
	build FixFunc
}

// Reportf is Pass.Reportf with the fix.
func (f Fixing) Reportf(obj *manifest.Object, path, format string, args ...any) {
	f.ReportSeverityf(f.pass.Rule.Severity, obj, path, format, args...)
}

// ReportSeverityf is Pass.ReportSeverityf with the fix.
func (f Fixing) ReportSeverityf(sev Severity, obj *manifest.Object, path, format string, args ...any) {
	var fix *Fix
	if f.pass.Fixes {
		fix = buildFix(obj, f.desc, f.build)
	}
	p := f.pass
	p.report(Diagnostic{Rule: p.Rule, Severity: sev, Object: obj, Path: path,
		Message: messagef(obj, nil, format, args...), Fix: fix})
}

// buildFix runs build with an editor of obj's document: the fix, or nil.
func buildFix(obj *manifest.Object, desc string, build FixFunc) *Fix {
	if obj == nil {
		return nil
	}
	ed, err := obj.Editor()
	if err != nil {
		return nil
	}
	if err := build(ed); err != nil || len(ed.Edits()) == 0 {
		return nil
	}
	// a copy: desc is read only, so the Fixing that holds it, and the
	// rule's closure with it, need not leave the rule's stack
	return &Fix{Description: strings.Clone(desc), Edits: ed.Edits()}
}

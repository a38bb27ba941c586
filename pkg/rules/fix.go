package rules

import "github.com/meshbatch/meshbatch/pkg/manifest"

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
func (p *Pass) Fixing(description string, build FixFunc) Because {
	return p.Because().Fixing(description, build)
}

// Fixing is Pass.Fixing with the related objects.
func (b Because) Fixing(description string, build FixFunc) Because {
	b.fixDesc, b.fix = description, build
	return b
}

// fixFor builds the fix of a report on obj, or nil.
func (b Because) fixFor(obj *manifest.Object) *Fix {
	if b.fix == nil || !b.pass.Fixes || obj == nil {
		return nil
	}
	ed, err := obj.Editor()
	if err != nil {
		return nil
	}
	if err := b.fix(ed); err != nil || len(ed.Edits()) == 0 {
		return nil
	}
	return &Fix{Description: b.fixDesc, Edits: ed.Edits()}
}

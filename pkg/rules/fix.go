package rules

import (
	"errors"
	"fmt"
	"strconv"
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
// document. It returns manifest.ErrNoEdit (or an error wrapping it) when
// the fix is not certain or the document's shape is one the editor does
// not edit: the finding is then reported without a fix; a *NeedsFacts
// when it is not certain only because cluster facts are not known. Any
// other error is a failure, not a choice: the engine reports it
// (Pass.FixErrors).
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

// The keys of the cluster facts a NeedsFacts names: the keys of
// lint.RawFacts, under facts: in .meshbatch.yaml.
const (
	FactIstioVersion   = "istioVersion"
	FactKubeletVersion = "kubeletVersion"
	FactTrustDomain    = "trustDomain"
)

// NeedsFacts is what a FixFunc returns when it offers no fix only because
// cluster facts are not known: stated, they could make the fix certain.
// It is manifest.ErrNoEdit to errors.Is, and meshbatch fix counts the
// findings it leaves and names the facts (Diagnostic.FixNeedsFacts).
type NeedsFacts struct {
	Facts []string // fact keys (FactIstioVersion, ...), each needed
}

func (n *NeedsFacts) Error() string {
	return "the fix needs the facts " + strings.Join(n.Facts, ", ")
}

func (*NeedsFacts) Is(target error) bool { return target == manifest.ErrNoEdit }

// ReportFixf is Reportf with a fix.
func (p *Pass) ReportFixf(fix Offer, obj *manifest.Object, path, format string, args ...any) {
	p.ReportSeverityFixf(fix, p.Rule.Severity, obj, path, format, args...)
}

// ReportSeverityFixf is ReportSeverityf with a fix.
func (p *Pass) ReportSeverityFixf(fix Offer, sev Severity, obj *manifest.Object, path, format string, args ...any) {
	var f *Fix
	var needs []string
	if p.Fixes {
		var err error
		if f, err = buildFix(obj, fix.Description, fix.Build); err != nil {
			var nf *NeedsFacts
			if errors.As(err, &nf) {
				needs = nf.Facts
			} else if !errors.Is(err, manifest.ErrNoEdit) {
				p.FixErrors = append(p.FixErrors, &FixError{Rule: p.Rule.ID, File: obj.File, Line: obj.Line(), Object: obj.Ref(), Err: err})
			}
		}
	}
	p.report(Diagnostic{Rule: p.Rule, Severity: sev, Object: obj, Path: path,
		Message: messagef(obj, nil, format, args...), Fix: f, FixNeedsFacts: needs})
}

// FixError is a fix that failed to build other than by the editor
// declining: its finding goes out without it. When the document changed
// since it was read (manifest.ErrChanged), an editor saved the file while
// meshbatch ran; any other error is a bug in the rule's fix, and the
// message says so, to be reported rather than worked around.
type FixError struct {
	Rule   string // the rule's id
	File   string
	Line   int    // the object's line in File, 0 when not known
	Object string // the object, as manifest.Object.Ref names it
	Err    error
}

func (e *FixError) Error() string {
	where := e.File
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	if errors.Is(e.Err, manifest.ErrChanged) {
		return fmt.Sprintf("%s: %s: the fix for %s was not built: %v; run meshbatch again", where, e.Rule, e.Object, e.Err)
	}
	return fmt.Sprintf("%s: %s: building the fix for %s failed: %v; this is a bug in meshbatch, please report it (the finding is reported without a fix)",
		where, e.Rule, e.Object, e.Err)
}

func (e *FixError) Unwrap() error { return e.Err }

// buildFix runs build with an editor of obj's document: the fix, or nil
// when there is none to offer. The editor declining (manifest.ErrNoEdit)
// means no fix; it is returned when it says which facts are missing
// (*NeedsFacts), as is any other error.
func buildFix(obj *manifest.Object, desc string, build FixFunc) (*Fix, error) {
	if obj == nil || build == nil {
		return nil, nil
	}
	ed, err := obj.Editor()
	if err != nil {
		return nil, err
	}
	if err := build(ed); err != nil {
		var nf *NeedsFacts
		if errors.Is(err, manifest.ErrNoEdit) && !errors.As(err, &nf) {
			return nil, nil
		}
		return nil, err
	}
	if len(ed.Edits()) == 0 {
		return nil, nil
	}
	// a copy: desc is read only, so the Offer that holds it, and the
	// rule's closure with it, need not leave the rule's stack
	return &Fix{Description: strings.Clone(desc), Edits: ed.Edits()}, nil
}

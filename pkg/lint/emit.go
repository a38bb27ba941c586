package lint

import (
	"cmp"
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// emitter applies severity overrides and suppression to findings, in one
// place.
type emitter struct {
	opts    Options
	ignores map[*manifest.Object]ignoreAnnotations // of the objects whose maps the loader dropped
	live    *liveRun                               // the cluster's objects, if any
	// suppressions are what a finding hidden by opts.Suppressions[i]
	// says, one for each.
	suppressions []*suppressedBy
}

func newEmitter(opts Options, ignores map[*manifest.Object]ignoreAnnotations) *emitter {
	e := &emitter{opts: opts, ignores: ignores}
	for _, s := range opts.Suppressions {
		e.suppressions = append(e.suppressions, &suppressedBy{cmp.Or(s.Origin, "suppression"), cmp.Or(s.Source, SuppressedByConfig), s.Reason})
	}
	return e
}

func (e *emitter) severity(r *rules.Rule, reported rules.Severity) rules.Severity {
	if s, ok := e.opts.SeverityOverrides[r.ID]; ok {
		return s
	}
	return reported
}

// problem is the finding of a document that did not load, or of an
// annotation that names unknown rules.
func (e *emitter) problem(p manifest.Problem) *finding {
	r := rules.InvalidInput
	sev := r.Severity
	if k := e.opts.Facts.KubernetesVersion; p.SinceKubernetes > 0 && k.AtLeast(1, p.SinceKubernetes) == mesh.No {
		sev = rules.Warning
		p.Msg += fmt.Sprintf(" (the facts' API server, Kubernetes %s, still takes it with a warning)", k)
	}
	return &finding{rule: r, sev: int8(e.severity(r, sev)), line: int32(p.Pos.Line), col: int32(p.Pos.Col),
		more: &findingMore{problem: &p}}
}

// emit applies severity overrides and suppression to the findings, in
// order, and splits them into the shown ones (in found's array) and the
// suppressed ones. Every suppression level ends here: an annotation on
// the object first, then config entries and --suppress flags, in order.
func (e *emitter) emit(found []*finding) (shown, suppressed []*finding) {
	shown = found[:0]
	for _, f := range found {
		if f.obj != nil {
			f.sev = int8(e.severity(f.rule, rules.Severity(f.sev)))
			if !e.opts.NoInlineIgnores {
				if origin, reason := inlineIgnore(f.obj, f.rule, f.fieldPath(), e.ignoreAnnotations(f.obj)); origin != "" {
					f.suppress(&suppressedBy{origin, SuppressedByAnnotation, reason})
				}
			}
		}
		if f.suppressed() == nil && len(e.suppressions) > 0 {
			h := f.header(e.live)
			for i := range e.opts.Suppressions {
				if e.opts.Suppressions[i].matches(&h) {
					f.suppress(e.suppressions[i])
					break
				}
			}
		}
		if f.suppressed() != nil {
			suppressed = append(suppressed, f)
			continue
		}
		shown = append(shown, f)
	}
	return shown, suppressed
}

// ignoreAnnotations returns the meshbatch.dev/ignore annotations of an
// object and its pod template: as the loader kept them for an object whose
// maps it dropped, else the object's own.
func (e *emitter) ignoreAnnotations(o *manifest.Object) ignoreAnnotations {
	if ia, ok := e.ignores[o]; ok {
		return ia
	}
	if o.Released() {
		return ignoreAnnotations{}
	}
	return ignoreAnnotationsOf(o)
}

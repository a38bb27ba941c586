// Package rules holds meshbatch's lint rules and the API they are written
// against.
//
// A rule is a value: its id, slug, severity and documentation sit next to
// its check, and All returns every rule in a fixed order. Rules never touch
// files, positions, suppression or output: they look at the Index of loaded
// objects and report through a Pass. The lint engine does the rest.
package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unique"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Severity orders findings; a higher value is worse.
type Severity int

// Severities, from least to most severe.
const (
	Info Severity = iota + 1
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads "error", "warning" or "info" (any case).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info":
		return Info, nil
	}
	return 0, fmt.Errorf("unknown severity %q: use error, warning or info", s)
}

// Rule is one lint check and everything a user needs to know about it.
type Rule struct {
	ID          string   // "MB101": stable; a retired id is never reused
	Slug        string   // "job-sidecar-never-exits": kebab-case, stable
	Severity    Severity // the default; cluster facts or config may lower it
	Summary     string   // one line, no period
	Rationale   string   // why it matters, with the mechanism
	Remediation string   // one or two sentences a user can act on
	// Kinds are the kinds the rule is about, for its docs and code
	// scanning's filters; every object it reports on is of one of them
	// (the rule test harness checks it).
	Kinds     []string
	Reads     Reads    // what Check reads, which decides what the engine keeps decoded
	Sources   []string // where the facts come from (issues, code, docs)
	Bad, Good string   // example manifests (YAML) for the rule's docs
	// AutoFix says what meshbatch fix changes for a finding, and when it
	// offers a fix; "" for a rule that offers none. The check attaches the
	// fix itself (Pass.ReportFixf).
	AutoFix string
	Check   func(*Pass)
}

// Reads declares what a check reads besides the pod templates of the
// workloads in its own loops (Index.Workloads, BatchWorkloads), which it
// always may. On a large input the engine releases the objects no selected
// rule reads decoded (see PlanReads), so a check that reads more than it
// declares finds nothing there; the rule test harness runs every fixture
// with everything released that may be, so it fails in the rule's own test.
type Reads struct {
	// Loop are the kinds the check loops over with Index.OfKind.
	Loop []string
	// Spec are the kinds whose specs it reads through lookups: InNamespace,
	// Every, Service, ServiceEntriesFor, DestinationRulesFor, SidecarFor,
	// EffectiveMTLS and the others say which kinds they read.
	Spec []string
	// Labels and Annotations are the kinds whose labels or annotations it
	// reads through lookups: Index.Injection reads the Namespace's labels.
	Labels, Annotations []string
}

// Diagnostic is what a rule reports; the engine turns it into a finding
// with a file position.
type Diagnostic struct {
	Rule     *Rule
	Severity Severity
	Object   *manifest.Object
	Path     string // field path inside Object, see manifest.Path
	Message  Message
	// Related are the other objects the finding is about (the
	// PeerAuthentication that makes a DestinationRule wrong), for the
	// formats to point at; see Pass.Because.
	Related []*manifest.Object
	// Fix resolves the finding, when the rule offers one and the run
	// wants fixes (Pass.Fixes); nil otherwise.
	Fix *Fix
	// FixNeedsFacts are, for a finding without a Fix in a run that wants
	// fixes, the facts whose absence alone kept the rule from offering one
	// (NeedsFacts).
	FixNeedsFacts []string
}

// Message is what a diagnostic says: the format and arguments it was
// reported with, rendered when read (String). A large input that meshbatch
// was just adopted for has a finding for most of its workloads, and their
// rendered messages, ~250 bytes each, were most of what the findings held
// until the report was written; the arguments are a fraction of that, and
// the formats are shared. Arguments of basic types (strings, numbers,
// booleans), which cannot change, are kept, and an argument that names the
// diagnostic's object or a related one (its Ref) is kept as the object; a
// message with an argument of any other type is rendered when reported.
type Message struct {
	format unique.Handle[string] // nil: no message
	args   []any                 // nil: format is the text
}

// messagef is fmt.Sprintf(format, args...), rendered when read, for a
// diagnostic on obj with the related objects.
func messagef(obj *manifest.Object, related []*manifest.Object, format string, args ...any) Message {
	if len(args) == 0 && !strings.Contains(format, "%") {
		return Message{format: unique.Make(format)}
	}
	kept := slices.Clone(args)
	for i, a := range args {
		switch a := a.(type) {
		case string:
			if o := refIn(a, obj, related); o != nil {
				kept[i] = refOf{o}
			}
		case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		default:
			kept = nil
		}
		if kept == nil {
			break
		}
	}
	if len(args) == 0 || kept == nil {
		return Message{format: unique.Make("%s"), args: []any{fmt.Sprintf(format, args...)}}
	}
	return Message{format: unique.Make(format), args: kept}
}

// refOf stands for the Ref of an object among a message's arguments.
type refOf struct{ o *manifest.Object }

// refIn returns the first of obj and related whose Ref s is, or nil.
func refIn(s string, obj *manifest.Object, related []*manifest.Object) *manifest.Object {
	isRef := func(o *manifest.Object) bool {
		return o != nil && strings.HasPrefix(s, o.Kind) && strings.HasSuffix(s, o.Name) && s == o.Ref()
	}
	if isRef(obj) {
		return obj
	}
	for _, o := range related {
		if isRef(o) {
			return o
		}
	}
	return nil
}

// String renders the message.
func (m Message) String() string {
	if m.format == (unique.Handle[string]{}) {
		return ""
	}
	if m.args == nil {
		return m.format.Value()
	}
	args := m.args
	if slices.ContainsFunc(args, func(a any) bool { _, ok := a.(refOf); return ok }) {
		args = slices.Clone(args)
		for i, a := range args {
			if r, ok := a.(refOf); ok {
				args[i] = r.o.Ref()
			}
		}
	}
	return fmt.Sprintf(m.format.Value(), args...)
}

// Pass is one rule's run over the loaded objects.
type Pass struct {
	Rule  *Rule
	Index *Index
	Facts mesh.Facts
	// Partial is set when the input is known to be a slice of the world
	// (pre-commit passes only changed files). Rules report "X is missing"
	// through Missingf, which stays silent then.
	Partial bool
	// Fixes is set when the run wants the fixes rules offer (ReportFixf):
	// computing one reads the object's document again.
	Fixes bool

	report func(Diagnostic)
	now    time.Time // see Now
	// Silenced counts Missingf calls dropped in partial mode, and checks
	// a rule skipped there because what they need may be outside the
	// input (MB602's clients).
	Silenced int
	// FixErrors are the fixes that failed other than by the editor
	// declining (manifest.ErrNoEdit), each a *FixError: a document that
	// changed since it was read, or a bug. The engine reports them
	// (lint.Result.FixErrors); the finding goes out without the fix.
	FixErrors []error
}

// NewPass prepares a run of rule r; report receives every diagnostic.
func NewPass(r *Rule, ix *Index, facts mesh.Facts, partial bool, report func(Diagnostic)) *Pass {
	return &Pass{Rule: r, Index: ix, Facts: facts, Partial: partial, report: report}
}

// Now is the run's clock: the instant rules that judge an object's status
// (a pod running since, a certificate's expiry, a schedule's last run)
// compare timestamps with. The engine sets it once per run
// (lint.Options.Now, SetNow), so every rule and every pass of a run sees
// the same instant and a test can fix it; unset, it is time.Now().
func (p *Pass) Now() time.Time {
	if p.now.IsZero() {
		return time.Now()
	}
	return p.now
}

// RuleRuns reports whether this run checks rule id too: a rule that
// leaves a case to another one reports it itself when that one is not
// run (disabled, or not selected).
func (p *Pass) RuleRuns(id string) bool { return p.Index.plan.Runs(id) }

// SetNow sets the clock Now returns; the zero time means time.Now().
func (p *Pass) SetNow(t time.Time) { p.now = t }

// Reportf reports a problem at the rule's severity.
func (p *Pass) Reportf(obj *manifest.Object, path, format string, args ...any) {
	p.ReportSeverityf(p.Rule.Severity, obj, path, format, args...)
}

// ReportSeverityf reports at a given severity other than the rule's
// default. A verdict that rests on a cluster fact the user did not state
// says what was assumed and how to state it; it is reported lower only
// where being wrong costs little (see the catalogue's sev): a Job that
// may never complete stays an error.
func (p *Pass) ReportSeverityf(sev Severity, obj *manifest.Object, path, format string, args ...any) {
	p.Because().ReportSeverityf(sev, obj, path, format, args...)
}

// Because names the other objects behind the next report, so that a
// finding on one object can say where the others are:
//
//	p.Because(pa).Reportf(dr, path, "... %s ...", pa.Ref())
func (p *Pass) Because(objs ...*manifest.Object) Because {
	var related []*manifest.Object
	for _, o := range objs {
		if o != nil && !slices.Contains(related, o) {
			related = append(related, o)
		}
	}
	return Because{pass: p, related: related}
}

// Because reports with related objects; see Pass.Because.
type Because struct {
	pass    *Pass
	related []*manifest.Object
}

// Reportf is Pass.Reportf with the related objects.
func (b Because) Reportf(obj *manifest.Object, path, format string, args ...any) {
	b.ReportSeverityf(b.pass.Rule.Severity, obj, path, format, args...)
}

// ReportSeverityf is Pass.ReportSeverityf with the related objects.
func (b Because) ReportSeverityf(sev Severity, obj *manifest.Object, path, format string, args ...any) {
	b.pass.report(Diagnostic{Rule: b.pass.Rule, Severity: sev, Object: obj, Path: path,
		Message: messagef(obj, b.related, format, args...), Related: b.related})
}

// Missingf reports that an object the verdict needs is absent from the
// input. In partial mode the absence proves nothing, so it is counted, not
// reported.
func (p *Pass) Missingf(obj *manifest.Object, path, format string, args ...any) {
	if p.Partial {
		p.Silenced++
		return
	}
	p.Reportf(obj, path, format, args...)
}

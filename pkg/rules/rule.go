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
	Check     func(*Pass)
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
	Message  string
	// Related are the other objects the finding is about (the
	// PeerAuthentication that makes a DestinationRule wrong), for the
	// formats to point at; see Pass.Because.
	Related []*manifest.Object
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

	report func(Diagnostic)
	// Silenced counts Missingf calls dropped in partial mode, and checks
	// a rule skipped there because what they need may be outside the
	// input (MB602's clients).
	Silenced int
}

// NewPass prepares a run of rule r; report receives every diagnostic.
func NewPass(r *Rule, ix *Index, facts mesh.Facts, partial bool, report func(Diagnostic)) *Pass {
	return &Pass{Rule: r, Index: ix, Facts: facts, Partial: partial, report: report}
}

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
		Message: fmt.Sprintf(format, args...), Related: b.related})
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

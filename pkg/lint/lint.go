// Package lint is meshbatch's lint engine: it loads manifests from files,
// directories and stdin, indexes them, runs the rules, applies suppression
// and returns sorted findings. Output formats live in pkg/lint/format.
package lint

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// StdinName is the file name findings on standard input carry.
const StdinName = "<stdin>"

// Options configure a lint run. The zero value lints with every rule, no
// cluster facts and default limits.
type Options struct {
	Facts rules.Facts
	// Rules to run; nil means rules.All(). The invalid-input rule is always on.
	Rules []*rules.Rule
	// SeverityOverrides maps a rule id to the severity to report it at.
	SeverityOverrides map[string]rules.Severity
	Suppressions      []Suppression
	NoInlineIgnores   bool // ignore meshbatch.dev/ignore annotations (audits)
	Partial           bool // the input is a slice of the world (pre-commit)
	Limits            manifest.Limits
	Workers           int       // parsing goroutines; 0 means GOMAXPROCS
	Stdin             io.Reader // read for the path "-"
}

// Result is the outcome of a run.
type Result struct {
	Findings   []Finding // shown findings, sorted
	Suppressed []Finding // hidden by a suppression, sorted
	Stats      Stats
	// InputErrors are paths that could not be read at all. The rest of the
	// input is still linted; the command exits 2 when there are any.
	InputErrors []error
}

// Stats count what a run saw.
type Stats struct {
	Files    int // files read
	Objects  int // objects loaded, of any kind
	Skipped  int // objects of kinds no rule reads
	Silenced int // "missing object" verdicts dropped in partial mode
}

// Counts returns the number of shown findings per severity.
func (r *Result) Counts() map[rules.Severity]int {
	c := map[rules.Severity]int{}
	for _, f := range r.Findings {
		c[f.Severity]++
	}
	return c
}

// Worst returns the highest severity among shown findings, 0 if none.
func (r *Result) Worst() rules.Severity {
	var worst rules.Severity
	for _, f := range r.Findings {
		worst = max(worst, f.Severity)
	}
	return worst
}

// Run lints the manifests under paths ("-" is standard input).
func Run(ctx context.Context, paths []string, opts Options) (*Result, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	loaded, err := load(ctx, paths, opts)
	if err != nil {
		return nil, err
	}
	res := &Result{InputErrors: loaded.errors}
	res.Stats.Files = loaded.files
	res.Stats.Objects = len(loaded.objects)
	for _, o := range loaded.objects {
		if o.Typed == nil {
			res.Stats.Skipped++
		}
	}
	e := newEmitter(opts, res)
	for _, p := range loaded.problems {
		e.problem(p)
	}
	ix := rules.NewIndex(loaded.objects)
	ruleSet := opts.Rules
	if ruleSet == nil {
		ruleSet = rules.All()
	}
	for _, r := range ruleSet {
		if r.Check == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pass := rules.NewPass(r, ix, opts.Facts, opts.Partial, e.diagnostic)
		r.Check(pass)
		res.Stats.Silenced += pass.Silenced
	}
	sortFindings(res.Findings)
	sortFindings(res.Suppressed)
	return res, nil
}

// emitter turns diagnostics and problems into findings, applying severity
// overrides and suppression in one place.
type emitter struct {
	opts Options
	res  *Result
}

func newEmitter(opts Options, res *Result) *emitter { return &emitter{opts: opts, res: res} }

func (e *emitter) severity(r *rules.Rule, reported rules.Severity) rules.Severity {
	if s, ok := e.opts.SeverityOverrides[r.ID]; ok {
		return s
	}
	return reported
}

func (e *emitter) problem(p manifest.Problem) {
	r := rules.InvalidInput
	f := Finding{
		RuleID: r.ID, Slug: r.Slug, Severity: e.severity(r, r.Severity),
		Message: p.Msg, Remediation: r.Remediation, URL: r.URL(),
		File: p.File, Line: p.Pos.Line, Column: p.Pos.Col,
		Object: ObjectRef{APIVersion: p.APIVersion, Kind: p.Kind, Namespace: p.Namespace, Name: p.Name},
	}
	e.add(f, "")
}

func (e *emitter) diagnostic(d rules.Diagnostic) {
	o := d.Object
	pos := o.Pos(d.Path)
	f := Finding{
		RuleID: d.Rule.ID, Slug: d.Rule.Slug, Severity: e.severity(d.Rule, d.Severity),
		Message: d.Message, Remediation: d.Rule.Remediation, URL: d.Rule.URL(),
		File: o.File, Line: pos.Line, Column: pos.Col, FieldPath: d.Path,
		Object: ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name},
	}
	inline := ""
	if !e.opts.NoInlineIgnores {
		inline = inlineIgnore(o, d, func() (map[string]string, string) { return templateAnnotations(o) })
	}
	e.add(f, inline)
}

func (e *emitter) add(f Finding, inline string) {
	f.Suppressed = inline
	for i := range e.opts.Suppressions {
		if f.Suppressed != "" {
			break
		}
		if s := &e.opts.Suppressions[i]; s.matches(&f) {
			f.Suppressed = s.Origin
			if f.Suppressed == "" {
				f.Suppressed = "suppression"
			}
		}
	}
	if f.Suppressed != "" {
		e.res.Suppressed = append(e.res.Suppressed, f)
		return
	}
	e.res.Findings = append(e.res.Findings, f)
}

// templateAnnotations returns the pod template annotations of a workload
// object and the field path prefix of its template.
func templateAnnotations(o *manifest.Object) (map[string]string, string) {
	w := rules.WorkloadOf(o)
	if w == nil || w.TemplatePath == "" {
		return nil, ""
	}
	return w.Template.Annotations, w.TemplatePath + "."
}

// errorf builds an input error that names the path.
func errorf(path string, format string, args ...any) error {
	return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

// FilterMinSeverity keeps findings at or above min. It changes what is
// shown, never the exit code, which callers decide before filtering.
func FilterMinSeverity(fs []Finding, min rules.Severity) []Finding {
	out := fs[:0:0]
	for _, f := range fs {
		if f.Severity >= min {
			out = append(out, f)
		}
	}
	return out
}

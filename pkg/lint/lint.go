// Package lint is meshbatch's lint engine: it loads manifests from files,
// directories and stdin, indexes them, runs the rules, applies suppression
// and returns sorted findings. Output formats live in pkg/lint/format.
package lint

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
	catalog "github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// StdinName is the file name findings on standard input carry.
const StdinName = "<stdin>"

// Options configure a lint run. The zero value lints with every rule, no
// cluster facts and default limits.
type Options struct {
	Facts mesh.Facts
	// Rules to run; nil means checks.All(). The invalid-input rule is always on.
	Rules []*rules.Rule
	// SeverityOverrides maps a rule id to the severity to report it at.
	SeverityOverrides map[string]rules.Severity
	Suppressions      []Suppression
	NoInlineIgnores   bool // ignore meshbatch.dev/ignore annotations (audits)
	Partial           bool // the input is a slice of the world (pre-commit)
	// MinSeverity hides findings below it (0 shows all). Hidden findings
	// still count for Result.Worst, so the exit code does not depend on
	// what is shown.
	MinSeverity rules.Severity
	// SkipNonManifests drops, instead of reporting as MB001, documents
	// without apiVersion or kind: other YAML files (CI workflows, Helm
	// values, Chart.yaml) that pre-commit's "types: [yaml]" passes along.
	SkipNonManifests bool
	Limits           manifest.Limits
	// Exclude leaves paths out of the input (see Exclude).
	Exclude []Exclude
	// CheckSpec validates the job specs found in the input (see
	// SpecChecker); nil leaves them as objects of a kind no rule reads.
	CheckSpec SpecChecker
	// ListObjects fills Result.Files, for formats that report every
	// object, passing or not (JUnit): an entry for every object, so the
	// run builds it only when asked.
	ListObjects bool
	Workers     int       // goroutines for parsing, rules and finding positions; 0 means GOMAXPROCS
	Stdin       io.Reader // read for the path "-"
	// Live lints a cluster's objects with the files (see LiveSource);
	// paths may then be empty.
	Live *LiveSource

	// Residency tunes how much of the input is kept decoded at once; the
	// zero value is what meshbatch runs with.
	Residency Residency

	// Baseline hides the findings it records (Result.Baselined); nil
	// hides none.
	Baseline Baseline

	// Fixes asks the rules for the fixes they offer (Finding.Fix), which
	// read each fixable finding's document again.
	Fixes bool
	// Overlay holds bytes to read instead of some files' contents on disk,
	// by the name the input reaches the file by: meshbatch fix lints its
	// edits again before it writes them.
	Overlay map[string][]byte

	// Now is the instant rules that read objects' status judge them at
	// (rules.Pass.Now); the zero time means time.Now(), taken once when
	// the run starts. Tests and goldens fix it.
	Now time.Time

	// Render renders the Helm charts and Kustomize directories of the
	// input, which are then linted as rendered (see RenderOptions).
	Render RenderOptions

	// plan is how the run's rules read each kind (rules.PlanReads), set by
	// Run.
	plan *rules.ReadPlan
	// decodeWhole is set by Run when no check runs: no pass would decode
	// the workloads the loader decodes in part, so it decodes them whole.
	decodeWhole bool
}

// Residency tunes how much of the input the engine keeps decoded (see
// residency.go). Findings never depend on it; tests set it so that a small
// input takes the paths a large one takes.
type Residency struct {
	// WorkloadsKept is how many workloads the loader keeps decoded before
	// it releases the others; 0 means the default, a negative value none.
	WorkloadsKept int
	// WorkloadsPerPass is how many released workloads, or objects read in
	// loops, a pass decodes again; 0 means the default.
	WorkloadsPerPass int
	// KeepAll keeps every object decoded and runs the rules once on the
	// whole input: the reference the passes are held to.
	KeepAll bool
}

// ReleaseAll releases at load every object the rules' Reads let go and
// decodes one workload per pass: the strictest test that a rule reads
// only what it declares.
var ReleaseAll = Residency{WorkloadsKept: -1, WorkloadsPerPass: 1}

// Result is the outcome of a run.
type Result struct {
	Findings   Findings // shown findings, sorted
	Suppressed Findings // hidden by a suppression, sorted
	Stats      Stats
	// Files lists every file read, in input order, with the objects it
	// holds (for formats that report per object, like JUnit); nil unless
	// Options.ListObjects was set.
	Files []FileObjects
	// InputErrors are paths that could not be read at all. The rest of the
	// input is still linted; the command exits 2 when there are any.
	InputErrors []error
	// FixErrors are the fixes the rules failed to build (Options.Fixes),
	// each a *rules.FixError: every path was read and every finding is
	// reported, the finding of each without its fix. The command exits 2,
	// saying each is a bug in meshbatch (or a file saved meanwhile).
	FixErrors []error
	// Notices say that an input, while not an error, is likely not what was
	// meant, such as a directory with no file to lint. They do not change
	// the exit code; the command prints them on stderr.
	Notices []string
	// Baselined are the findings Options.Baseline hid, sorted; Stale its
	// entries that matched no finding (none in partial mode).
	Baselined Findings
	Stale     []StaleEntry

	hiddenWorst rules.Severity // worst finding hidden by MinSeverity
}

// FileObjects is one input file and the objects read from it.
type FileObjects struct {
	File    string // "cluster CONTEXT" for the objects of a cluster (see Finding.Source)
	Objects []ObjectRef
}

// Stats count what a run saw.
type Stats struct {
	Files        int // files read
	Objects      int // objects loaded, of any kind
	Skipped      int // objects of kinds no rule reads
	NotManifests int // documents dropped by SkipNonManifests
	Hidden       int // findings below MinSeverity, not shown
	// Silenced counts "missing object" verdicts dropped in partial mode,
	// SilencedByRule the same per rule id.
	Silenced       int
	SilencedByRule map[string]int
	// LiveShadowed counts the cluster's objects that a file defines too
	// (the file's were linted); OnOwner the findings on controlled cluster
	// objects left to their controller (see LiveSource).
	LiveShadowed int
	OnOwner      int
	// Cluster is the context of the cluster linted (Options.Live), "" for
	// none.
	Cluster string
}

// Counts returns the number of shown findings per severity.
func (r *Result) Counts() map[rules.Severity]int {
	c := map[rules.Severity]int{}
	for i := range r.Findings.Len() {
		c[r.Findings.severity(i)]++
	}
	return c
}

// Worst returns the highest severity among unsuppressed findings, shown or
// hidden by MinSeverity, 0 if none: it decides the exit code.
func (r *Result) Worst() rules.Severity {
	worst := r.hiddenWorst
	for i := range r.Findings.Len() {
		worst = max(worst, r.Findings.severity(i))
	}
	return worst
}

// Failed reports whether a finding at or above failOn was reported; a
// failOn of 0 ("none") never fails.
func (r *Result) Failed(failOn rules.Severity) bool {
	return failOn > 0 && r.Worst() >= failOn
}

// Run lints the manifests under paths ("-" is standard input).
func Run(ctx context.Context, paths []string, opts Options) (*Result, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	ruleSet := opts.Rules
	if ruleSet == nil {
		ruleSet = catalog.All()
	}
	var checks []*rules.Rule
	for _, r := range ruleSet {
		if r.Check != nil {
			checks = append(checks, r)
		}
	}
	opts.decodeWhole = len(checks) == 0
	partialCluster := opts.Live != nil && len(opts.Live.Namespaces) > 0 && !opts.Partial
	if partialCluster {
		opts.Partial = true
	}
	opts.plan = rules.PlanReads(checks)
	loaded, err := load(ctx, paths, opts)
	if err != nil {
		return nil, err
	}
	defer loaded.live.close()
	var declNotices []string
	opts.Facts, declNotices = withDeclared(opts.Facts, loaded.declared)
	loaded.notices = append(loaded.notices, declNotices...)
	outs, restoreErrs, err := check(ctx, loaded, checks, opts)
	if err != nil {
		return nil, err
	}
	if stdinWasEmpty(paths, opts, loaded) {
		loaded.problems = append(loaded.problems, manifest.Problem{File: StdinName, Pos: manifest.Pos{Line: 1, Col: 1},
			Msg: "standard input holds no YAML document, so nothing was linted (did the command before the pipe fail?)"})
	}
	res := &Result{InputErrors: loaded.errors, Notices: loaded.notices}
	if partialCluster {
		res.Notices = append(res.Notices, opts.Live.partialNotice())
	}
	res.Stats.Files = countFiles(loaded)
	res.Stats.Objects = len(loaded.objects) + loaded.left.count
	res.Stats.Skipped = loaded.left.count
	for _, o := range loaded.objects {
		if o.Typed == nil && !o.Released() {
			res.Stats.Skipped++
		}
	}
	e := newEmitter(opts, loaded.ignores)
	var problems []*finding
	for _, p := range dropNonManifests(loaded.problems, notManifestFilter(paths, opts.SkipNonManifests), &res.Stats) {
		problems = append(problems, e.problem(p))
	}
	knownRule := func(r string) bool {
		return catalog.Lookup(r) != nil || slices.ContainsFunc(ruleSet, func(rr *rules.Rule) bool {
			return strings.EqualFold(rr.ID, r) || strings.EqualFold(rr.Slug, r)
		})
	}
	for _, o := range loaded.objects {
		for _, p := range ignoreAnnotationProblems(o, e.ignoreAnnotations(o), knownRule) {
			problems = append(problems, e.problem(p))
		}
	}
	res.InputErrors = append(res.InputErrors, restoreErrs...)
	// After the rules, where the heap is smaller: it holds a reference to
	// every object.
	if opts.ListObjects {
		res.Files = inventory(loaded)
	}
	if n := loaded.live.unknownNotice(); n != "" {
		res.Notices = append(res.Notices, n)
	}
	if l := loaded.live; l != nil && l.shadowed > 0 {
		res.Notices = append(res.Notices, fmt.Sprintf("cluster %s: %d of its objects are defined in the files too; the files' versions were linted", l.context, l.shadowed))
	}
	// Findings and counts go out after the problems, rule by rule in
	// registry order, and each rule's findings in the order it reported
	// them, as if the rules had run one after the other. The findings stay
	// where the passes put them; found points at them, then (filtered in
	// place) at the shown ones: the end of a run, where the heap peaks,
	// allocates nothing for each finding.
	n := len(problems)
	for _, out := range outs {
		n += len(out.diags)
	}
	found := make([]*finding, 0, n)
	found = append(found, problems...)
	for i := range outs {
		for j := range outs[i].diags {
			found = append(found, &outs[i].diags[j])
		}
	}
	live := loaded.live
	if live != nil {
		found = append(found[:len(problems)], live.leaveToOwners(found[len(problems):], opts.Limits)...)
		res.Stats.LiveShadowed, res.Stats.OnOwner, res.Stats.Cluster = live.shadowed, live.onOwner, live.context
	}
	if err := positions(ctx, inFiles(found[len(problems):], live), opts.Workers); err != nil {
		return nil, err
	}
	mapToSources(found, loaded.rendered)
	e.live = live
	shown, suppressed := e.emit(found)
	res.Findings, res.Suppressed = Findings{list: shown, live: live}, Findings{list: suppressed, live: live}
	res.Baselined.live = live
	for i, out := range outs {
		// A fix that failed other than by the editor declining: its
		// finding is reported without it, and the run must not pass for
		// a whole one.
		res.FixErrors = append(res.FixErrors, out.fixErrs...)
		if out.silenced > 0 {
			if res.Stats.SilencedByRule == nil {
				res.Stats.SilencedByRule = map[string]int{}
			}
			res.Stats.SilencedByRule[checks[i].ID] += out.silenced
			res.Stats.Silenced += out.silenced
		}
	}
	byPlace := func(a, b *finding) int { return compareLive(a, b, live) }
	slices.SortStableFunc(shown, byPlace)
	slices.SortStableFunc(suppressed, byPlace)
	if opts.Baseline != nil {
		res.applyBaseline(opts.Baseline, opts.Partial)
	}
	res.hideBelow(opts.MinSeverity)
	return res, nil
}

// countFiles counts the files read: a rendered chart or Kustomize build
// counts the source files its documents came from, once each.
func countFiles(l *loaded) int {
	if len(l.rendered) == 0 {
		return len(l.order)
	}
	seen := map[string]bool{}
	for _, name := range l.order {
		if rd := l.rendered[name]; rd != nil {
			name = rd.doc.Source
		}
		seen[name] = true
	}
	return len(seen)
}

// stdinWasEmpty reports whether "-" was read without error and held no
// document: in a pipeline that usually means the command before it failed,
// and a run that lints nothing must not pass silently. A document without
// objects, such as the empty List of kubectl get -o yaml, is a document.
func stdinWasEmpty(paths []string, opts Options, l *loaded) bool {
	if opts.Stdin == nil || !slices.Contains(paths, "-") || l.stdinDocs > 0 {
		return false
	}
	for _, err := range l.errors {
		if strings.HasPrefix(err.Error(), StdinName+":") {
			return false
		}
	}
	return true
}

// hideBelow drops shown findings below min, remembering the worst of them.
func (r *Result) hideBelow(min rules.Severity) {
	kept := r.Findings.list[:0]
	for _, f := range r.Findings.list {
		if sev := rules.Severity(f.sev); sev < min {
			r.hiddenWorst = max(r.hiddenWorst, sev)
			r.Stats.Hidden++
			continue
		}
		kept = append(kept, f)
	}
	r.Findings.list = kept
}

// inventory lists the files read and their objects, in input order. Files
// whose documents all failed to parse are listed too, without objects.
func inventory(l *loaded) []FileObjects {
	out := []FileObjects{} // not nil: the objects were listed
	index := map[string]int{}
	add := func(file string) int {
		if l.live.isLive(file) {
			file = liveSource(l.live.context)
		}
		i, ok := index[file]
		if !ok {
			i = len(out)
			index[file] = i
			out = append(out, FileObjects{File: file})
		}
		return i
	}
	for _, o := range l.objects {
		file := o.File
		if rd := l.rendered[file]; rd != nil {
			file = rd.doc.Source
		}
		i := add(file)
		out[i].Objects = append(out[i].Objects, refOf(o))
	}
	for _, p := range l.problems {
		add(p.File)
	}
	return out
}

// notManifestFilter says for which files a document without apiVersion or
// kind is other YAML rather than a broken manifest: every file with
// SkipNonManifests, and otherwise hidden files that a directory walk found
// (.meshbatch.yaml, .pre-commit-config.yaml, .gitlab-ci.yml at a repository
// root), but not a hidden file named on the command line.
func notManifestFilter(paths []string, all bool) func(file string) bool {
	explicit := map[string]bool{}
	for _, p := range paths {
		explicit[filepath.Clean(p)] = true
	}
	return func(file string) bool {
		return all || (strings.HasPrefix(filepath.Base(file), ".") && !explicit[filepath.Clean(file)])
	}
}

// dropNonManifests removes the problems of documents that lack apiVersion
// or kind in the files skip selects: they are other YAML, not broken
// manifests.
func dropNonManifests(probs []manifest.Problem, skipFile func(string) bool, st *Stats) []manifest.Problem {
	type docKey struct {
		file string
		doc  int
	}
	skip := map[docKey]bool{}
	for _, p := range probs {
		if p.NotManifest && skipFile(p.File) {
			skip[docKey{p.File, p.Doc}] = true
		}
	}
	if len(skip) == 0 {
		return probs
	}
	st.NotManifests += len(skip)
	out := probs[:0:0]
	for _, p := range probs {
		if !skip[docKey{p.File, p.Doc}] {
			out = append(out, p)
		}
	}
	return out
}

// errorf builds an input error that names the path.
func errorf(path string, format string, args ...any) error {
	return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

// Package lint is meshbatch's lint engine: it loads manifests from files,
// directories and stdin, indexes them, runs the rules, applies suppression
// and returns sorted findings. Output formats live in pkg/lint/format.
package lint

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// check indexes the loaded objects and runs the checks on them. An object
// the loader decoded only in part (manifest.ReadDocumentPartly) may turn
// out, in its pass, not to decode strictly; the loader would have reported
// it and left it out. Other objects' rules may have looked it up by then,
// so check leaves it out and runs the passes again: the findings do not
// depend on which objects were decoded in part. That costs a second run
// only on a large input with such a document.
//
// Charts rendered for several environments are checked one environment
// at a time (checkEnvironments).
func check(ctx context.Context, l *loaded, checks []*rules.Rule, opts Options) ([]ruleOutput, []error, error) {
	if envs := l.environments(); len(envs) > 0 {
		return checkEnvironments(ctx, l, envs, checks, opts)
	}
	return checkWorld(ctx, l, checks, opts)
}

// checkWorld is check on one set of objects that see each other.
func checkWorld(ctx context.Context, l *loaded, checks []*rules.Rule, opts Options) ([]ruleOutput, []error, error) {
	for {
		ix := rules.NewIndexOf(l.objects, l.workloads, opts.plan)
		ix.SawNamespaces(l.left.namespaces)
		ix.SetClusterNamespaces(opts.Facts.Namespaces)
		if len(checks) > 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			ix.Prepare(opts.Facts, opts.Workers)
		}
		outs, errs, late, leftOut, err := runPasses(ctx, checks, ix, opts)
		l.addProblems(leftOut)
		if err != nil || len(late) == 0 {
			return outs, errs, err
		}
		l.leaveOutFailed(late)
	}
}

// fileRuns splits n items in file order into runs that one read of a file
// serves (see readSpan): item i continues the run of item i-1 when
// together(i) says so and the run has fewer than max items, so that one
// large file still spreads over the workers. It returns each run's
// [start, end).
func fileRuns(n, max int, together func(i int) bool) [][2]int {
	var runs [][2]int
	for i := range n {
		if last := len(runs) - 1; i > 0 && runs[last][1]-runs[last][0] < max && together(i) {
			runs[last][1] = i + 1
			continue
		}
		runs = append(runs, [2]int{i, i + 1})
	}
	return runs
}

// readSpan reads the part of their file that holds the released
// documents of objs, all of one file (see manifest.DocumentSpan). It reads
// nothing when the documents are a small part of that span (a few objects
// far apart in a large file): the caller then reads each document.
func readSpan(objs []*manifest.Object, buf []byte) ([]byte, int64) {
	off, end, docBytes := manifest.DocumentSpan(objs)
	if end <= off || end-off > 4*docBytes+64<<10 {
		return nil, 0
	}
	f, err := os.Open(objs[0].File)
	if err != nil {
		return nil, 0
	}
	defer f.Close()
	span := slices.Grow(buf[:0], int(end-off))[:end-off]
	if _, err := f.ReadAt(span, off); err != nil && err != io.EOF {
		return nil, 0
	}
	return span, off
}

// spanBufs recycles the buffers readSpan reads into: nothing decoded or
// positioned from a span keeps its bytes, and a large input reads most of
// its files back, some more than once.
var spanBufs = sync.Pool{New: func() any { return new([]byte) }}

// withSpan calls fn with readSpan's result for objs, in a recycled buffer
// that fn must not keep.
func withSpan(objs []*manifest.Object, fn func(span []byte, off int64)) {
	bp := spanBufs.Get().(*[]byte)
	span, off := readSpan(objs, *bp)
	fn(span, off)
	if span != nil {
		if poisonBuffers { // a test: anything that kept the bytes reads garbage
			for i := range span {
				span[i] = '!'
			}
		}
		*bp = span[:0]
	}
	spanBufs.Put(bp)
}

// ruleOutput is what one rule's pass reported: its diagnostics, held as
// findings (see finding) from the moment they are reported.
type ruleOutput struct {
	diags    []finding
	silenced int
	fixErrs  []error // rules.Pass.FixErrors
}

// runChecks runs the rules' checks on up to opts.Workers goroutines; each
// rule's diagnostics and silenced count go to its own slot. Rules only
// read the index (whose caches are built by Prepare, or under a
// sync.Once), so they may run in any order.
func runChecks(ctx context.Context, checks []*rules.Rule, ix *rules.Index, opts Options) ([]ruleOutput, error) {
	outs := make([]ruleOutput, len(checks))
	err := forEach(ctx, len(checks), opts.Workers, func(i int) {
		r, out := checks[i], &outs[i]
		pass := rules.NewPass(r, ix, opts.Facts, opts.Partial, func(d rules.Diagnostic) { out.diags = append(out.diags, newFinding(d)) })
		pass.Fixes = opts.Fixes
		pass.SetNow(opts.Now)
		r.Check(pass)
		out.silenced = pass.Silenced
		out.fixErrs = pass.FixErrors
	})
	if err != nil {
		return nil, err
	}
	return outs, nil
}

// positions finds the file position of every finding of a rule (on an
// object) on up to workers goroutines. Object.PositionsIn parses the
// object's document again and may not run concurrently on one object, so
// the findings are grouped by object, one call for each, and each worker
// takes whole groups.
func positions(ctx context.Context, found []*finding, workers int) error {
	group := make(map[*manifest.Object]int, len(found)/2)
	var groups [][]int32
	for i, f := range found {
		g, ok := group[f.obj]
		if !ok {
			g = len(groups)
			group[f.obj] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], int32(i))
	}
	// Objects of one file, in file order, share one read of the part of
	// the file that holds them, by runs of at most objectsPerRead so that
	// a single large file still spreads over the workers.
	const objectsPerRead = 256
	objectOf := func(g int) *manifest.Object { return found[groups[g][0]].obj }
	order := make([]int, len(groups))
	for g := range order {
		order[g] = g
	}
	slices.SortStableFunc(order, func(a, b int) int {
		oa, ob := objectOf(a), objectOf(b)
		return cmp.Or(strings.Compare(oa.File, ob.File), oa.Doc-ob.Doc, oa.Item-ob.Item)
	})
	runs := fileRuns(len(order), objectsPerRead, func(i int) bool {
		return objectOf(order[i]).File == objectOf(order[i-1]).File
	})
	return forEach(ctx, len(runs), workers, func(r int) {
		run := order[runs[r][0]:runs[r][1]]
		objs := make([]*manifest.Object, len(run))
		for k, g := range run {
			objs[k] = objectOf(g)
		}
		// span is nil when none was released or on an error: PositionsIn reads each document
		withSpan(objs, func(span []byte, off int64) {
			for _, g := range run {
				paths := make([]string, len(groups[g]))
				for k, i := range groups[g] {
					paths[k] = found[i].path.Value()
				}
				for k, p := range objectOf(g).PositionsIn(span, off, paths) {
					f := found[groups[g][k]]
					f.line, f.col = int32(p.Line), int32(p.Col)
				}
			}
		})
	})
}

// inFiles returns the findings on objects read from files: live objects
// have no position to find.
func inFiles(found []*finding, live *liveRun) []*finding {
	if live == nil {
		return found
	}
	var out []*finding
	for _, f := range found {
		if !live.isLive(f.file()) {
			out = append(out, f)
		}
	}
	return out
}

// forEach calls fn(i) for every i in [0, n) on up to workers goroutines,
// which take the next i from a shared counter. It stops starting calls
// once ctx is done and returns its error then. A panic in fn is raised
// again on the calling goroutine, with the stack where it happened.
func forEach(ctx context.Context, n, workers int, fn func(i int)) error {
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(i)
		}
		return nil
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		panicked any
		stopped  error
	)
	for range workers {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					if panicked == nil {
						panicked = fmt.Sprintf("%v\n\n%s", p, debug.Stack())
					}
					mu.Unlock()
				}
			}()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					mu.Lock()
					stopped = err
					mu.Unlock()
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
	return stopped
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
	return &finding{rule: r, sev: int8(e.severity(r, r.Severity)), line: int32(p.Pos.Line), col: int32(p.Pos.Col),
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

// errorf builds an input error that names the path.
func errorf(path string, format string, args ...any) error {
	return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

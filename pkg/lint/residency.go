// The residency engine: which objects are decoded, and when.
//
// On a large input the decoded objects would be most of the heap, so an
// object of a kind rules read (a manifest.Object, and its rules.Workload
// when it has a pod template) goes through the states below;
// the run's rules.ReadPlan, added up from the Reads its rules declare, says
// which ones each kind reaches. The findings do not
// depend on it: TestPassesChangeNothing compares them with a run that keeps
// everything decoded (Residency.KeepAll).
//
//   - Decoded: Typed holds the whole object, strictly decoded, and anyone
//     may read it. The loader takes from it what must outlive it: a
//     workload's summary (rules.WorkloadOf), an object's Summary
//     (rules.Summarize) and the ignore annotations suppression reads.
//     Workloads and objects read only in loops stay decoded while the keep
//     budget lasts (a workload until its pass); an input that proves large
//     releases those too (keepBudget).
//   - Partly decoded: once the budget for workloads is spent, the loader
//     decodes workloads only in the fields their summary reads
//     (loadDocument: manifest.ReadDocumentPartly with rules.SummaryFields;
//     Object.Partial). The loader alone reads them, for their summary and
//     ignore annotations, and releases them at once: nothing has checked
//     yet that the rest of the document decodes strictly.
//   - Released: Typed is nil (Object.Released), and a workload has lost its
//     Template, Job, CronJob and caches (Workload.Release). What is left is
//     what lookups from other objects' rules read: a workload's summary, an
//     object's Summary (its spec, or a policy's summary) and the labels and
//     annotations the plan names. The emitter reads the ignore
//     annotations the loader recorded (loaded.ignores), and positions read
//     the document, never Typed. A rule that reads the Typed or Template of
//     a released object finds nil, which the tests run into. Kinds read
//     by their metadata or by their spec alone are released at load and
//     stay so; workloads and kinds read in loops come back in their pass.
//   - Restored: a pass decodes a part of them again, whole and strictly
//     (decodeAgain; Workload.Restore, Object.RestoreTyped), runs every check
//     on a view of the index whose loops hold that part and whose lookups
//     hold the whole input (rules.Index.WorkloadPass, ObjectPass), and
//     releases them again. An object whose file changed since it was read
//     is left out of its pass, as an input error. One decoded in part that
//     does not decode strictly is a late failure: it leaves the run with
//     the problem the loader would have reported, and the passes run again
//     (check). One decoded in part whose strict decoding leaves fields out
//     (manifest.Object.PartlyInvalid) is linted without them, as the loader
//     would have, and their problems join those of the load.
//
// Objects of the kinds lookups read whole stay decoded throughout. Objects
// of kinds no rule reads are never decoded: the loader keeps their ignore
// annotations and drops their maps, or leaves them out of the run
// (leaveOut). A run without checks decodes nothing in part.

package lint

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// workloadsKept is how many workloads the loader keeps decoded before it
// releases the others and the objects rules read only in loops (of which
// it keeps as many at most): an input of up to about as many workloads is
// linted without decoding anything twice, and what it keeps is a bounded
// part of the heap. Past twice as many, it keeps none (see keepBudget).
const workloadsKept = 4096

// keepBudget is how many more objects the loader keeps decoded. Kept
// objects cost the second decode nothing but stay in the heap until their
// pass, and the heap's peak follows what is live at the end of loading. So
// once either count runs past twice its budget the input is large, and the
// loader releases what it kept too (spill): decoding a few thousand objects
// again costs less than keeping them live, which the peak counts twice.
type keepBudget struct {
	workloads atomic.Int64
	inLoops   atomic.Int64 // objects rules read only in loops
	budget    int64

	mu      sync.Mutex
	spilled atomic.Bool
	kept    []func() // each releases one kept object
}

func newKeepBudget(budget int64) *keepBudget {
	k := &keepBudget{budget: max(budget, 0)}
	k.workloads.Store(k.budget)
	k.inLoops.Store(k.budget)
	return k
}

// take lets one more object of count stay decoded if the budget allows;
// release drops it, now or at a spill.
func (k *keepBudget) take(count *atomic.Int64, release func()) {
	left := count.Add(-1)
	if left < -k.budget && !k.spilled.Load() {
		k.spill()
	}
	if left < 0 {
		release()
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.spilled.Load() {
		release()
		return
	}
	k.kept = append(k.kept, release)
}

func (k *keepBudget) exhausted() bool { return k.workloads.Load() <= 0 }

func (k *keepBudget) spill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.spilled.Load() {
		return
	}
	k.spilled.Store(true)
	for _, release := range k.kept {
		release()
	}
	k.kept = nil
}

// loadDocument reads one document for the loader: whole while the keep
// budget for workloads lasts, and past it its workloads only in the
// fields their summary reads (rules.SummaryFields).
func loadDocument(file string, doc int, c manifest.Chunk, opts Options, keep *keepBudget, live bool) ([]*manifest.Object, []manifest.Problem, []manifest.UnknownField) {
	var fields manifest.Fields
	if !opts.Residency.KeepAll && !opts.decodeWhole && keep.exhausted() {
		// Workloads are released at once: their pass decodes them whole.
		fields = rules.SummaryFields
	}
	if live { // the API server stored it: a field it has and these types lack is a newer cluster's
		return manifest.ReadStoredDocument(file, doc, c, opts.Limits, fields)
	}
	if fields != nil {
		objs, probs := manifest.ReadDocumentPartly(file, doc, c, opts.Limits, fields)
		return objs, probs, nil
	}
	objs, probs := manifest.ReadDocument(file, doc, c, opts.Limits)
	return objs, probs, nil
}

// releaseObjects summarises the pod templates of a document's objects
// and, once keep has run out, releases their decoded objects: the rule
// phase decodes them again, a part at a time (see runPasses), so that a
// large input never holds every Job and CronJob decoded at once. It does
// the same with the objects rules read only in their loops (once either
// budget has run out: an input of many of them and few workloads is large
// too), and releases those whose metadata is all they read at once (see
// the run's rules.ReadPlan). Once keep has run out, the loader decodes workloads
// only in the fields their summary reads (rules.SummaryFields), and their
// pass decodes them whole and strictly, once.
func releaseObjects(d docResult, keep *keepBudget, plan *rules.ReadPlan) docResult {
	ignores := func(i int, ia ignoreAnnotations) {
		if ia.own != nil || ia.template != nil {
			if d.ignores == nil {
				d.ignores = make([]ignoreAnnotations, len(d.objects))
			}
			d.ignores[i] = ia
		}
	}
	for i, o := range d.objects {
		w := rules.WorkloadOf(o)
		if w == nil {
			reading := plan.Reading(o.Kind)
			if o.Typed == nil {
				// A kind no rule reads, or an object that failed to
				// decode: suppression alone reads its maps, and keeps what
				// it reads. A Helm chart labels every object, and even a
				// small map is costly.
				if !o.Released() && (o.Labels != nil || o.Annotations != nil) {
					ignores(i, ignoreAnnotationsOf(o))
					o.Labels, o.Annotations = nil, nil
				}
				continue
			}
			rules.Summarize(o)
			if reading == rules.ReadBySpec && o.Summary == nil {
				continue // read decoded, whole
			}
			ignores(i, ignoreAnnotationsOf(o))
			switch {
			case reading == rules.ReadBySpec || reading == rules.ReadMetadata: // its spec is its Summary, or nothing is read
				o.ReleaseTypedKeeping(plan.MetadataRead(o.Kind))
			case keep.exhausted():
				o.ReleaseTyped()
			default:
				keep.take(&keep.inLoops, o.ReleaseTyped)
			}
			continue
		}
		if d.workloads == nil {
			d.workloads = make([]*rules.Workload, len(d.objects))
		}
		d.workloads[i] = w
		ignores(i, ignoreAnnotationsOf(o))
		keep.take(&keep.workloads, w.Release)
	}
	return d
}

// workloadsPerPass is how many workloads (or objects read in loops)
// runPasses keeps decoded at once: a small part of a large input's Jobs
// and CronJobs, with their caches. More passes cost little (each runs only
// the rules' loops over its own part): half and twice as many took the
// same time and peak memory, within the noise.
const workloadsPerPass = 512

// runPasses runs the checks on every workload and every other object. The
// loader released the workloads, and the objects rules read only in their
// loops, beyond the first few thousand (see releaseObjects): a pass
// decodes a part of them again, runs every check on a view of the index
// for that part (Index.WorkloadPass, Index.ObjectPass), and releases them;
// a last pass runs the checks' loops over the other kinds
// (Index.RestPass). A rule reports what one run over the whole
// index reports, though its loops may take turns differently: Run sorts
// the findings, and TestPassesChangeNothing checks that the results are
// the same. Objects that cannot be decoded again (their file changed
// since it was read) are left out and returned as errors; objects the
// loader decoded only in part that do not decode strictly are left out
// and returned as late failures (see check).
func runPasses(ctx context.Context, checks []*rules.Rule, ix *rules.Index, opts Options) ([]ruleOutput, []error, []lateFailure, []manifest.Problem, error) {
	outs := make([]ruleOutput, len(checks))
	if len(checks) == 0 {
		return outs, nil, nil, nil, nil
	}
	if opts.Residency.KeepAll {
		outs, err := runChecks(ctx, checks, ix, opts)
		return outs, nil, nil, nil, err
	}
	add := func(part []ruleOutput) {
		for i := range part {
			outs[i].diags = append(outs[i].diags, part[i].diags...)
			outs[i].silenced += part[i].silenced
			outs[i].fixErrs = append(outs[i].fixErrs, part[i].fixErrs...)
		}
	}
	size := cmp.Or(opts.Residency.WorkloadsPerPass, workloadsPerPass)
	var errs []error
	var late []lateFailure
	var leftOut []manifest.Problem
	// pass decodes the released objects of one part again, runs every
	// check on view(decoded), decoded being the indexes of the objects
	// that decoded, and hands those to putBack.
	pass := func(objs []*manifest.Object, restore func(i int, typed any), view func(decoded []int) *rules.Index, putBack func(decoded []int)) error {
		failed, left, err := decodeAgain(ctx, objs, opts, restore)
		if err != nil {
			return err
		}
		for _, probs := range left {
			leftOut = append(leftOut, probs...)
		}
		late = appendLate(late, objs, failed)
		decoded := withoutFailed(failed, &errs)
		got, err := runChecks(ctx, checks, view(decoded), opts)
		putBack(decoded)
		if err != nil {
			return err
		}
		add(got)
		return nil
	}
	for _, p := range passParts(len(ix.Workloads), size, func(i int) bool { return ix.Workloads[i].Released() }) {
		part := ix.Workloads[p[0]:p[1]]
		objs := make([]*manifest.Object, len(part))
		for i, w := range part {
			objs[i] = w.Object
		}
		err := pass(objs, func(i int, typed any) { part[i].Restore(typed, opts.Facts) },
			func(decoded []int) *rules.Index { return ix.WorkloadPass(pick(part, decoded)) },
			func(decoded []int) {
				for _, i := range decoded {
					part[i].Release()
				}
			})
		if err != nil {
			return nil, nil, nil, nil, err
		}
	}
	// The objects rules read only in their loops, a part at a time too,
	// left as the loader left them; then every other object at once.
	loop := ix.LoopObjects()
	for _, p := range passParts(len(loop), size, func(i int) bool { return loop[i].Released() }) {
		part := loop[p[0]:p[1]]
		wasReleased := make([]bool, len(part))
		for i, o := range part {
			wasReleased[i] = o.Released()
		}
		err := pass(part, func(i int, typed any) { part[i].RestoreTyped(typed) },
			func(decoded []int) *rules.Index { return ix.ObjectPass(pick(part, decoded)) },
			func(decoded []int) {
				for _, i := range decoded {
					if wasReleased[i] {
						part[i].ReleaseTyped()
					}
				}
			})
		if err != nil {
			return nil, nil, nil, nil, err
		}
	}
	got, err := runChecks(ctx, checks, ix.RestPass(), opts)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	add(got)
	return outs, errs, late, leftOut, nil
}

// passParts cuts n objects, in input order, into the parts of the passes,
// each with at most size objects to decode again: objects the loader kept
// decoded cost no memory, and fewer passes cost less (on an input small
// enough that nothing was released, there is one). It returns each part's
// [start, end).
func passParts(n, size int, released func(i int) bool) [][2]int {
	var parts [][2]int
	start, inPart := 0, 0
	for i := range n {
		if !released(i) {
			continue
		}
		if inPart == size {
			parts = append(parts, [2]int{start, i})
			start, inPart = i, 0
		}
		inPart++
	}
	if start < n {
		parts = append(parts, [2]int{start, n})
	}
	return parts
}

// decodeAgain decodes the released objects among objs again and hands
// each to restore(i, typed), on the workers. Objects come in input order:
// those of one file are neighbours, and a worker reads the part of the
// file that holds them once, by runs of at most objectsPerRead so that the
// objects of a single large file (or of standard input) still spread over
// the workers. failed[i] is the error of an object that cannot be decoded
// again: its file changed, or, decoded in part by the loader, it does not
// decode strictly (a manifest.Problem, see appendLate). left[i] are the
// problems of the fields an object decoded in part by the loader is
// linted without (manifest.Object.PartlyInvalid), which the loader did not
// see: the object is restored without them.
func decodeAgain(ctx context.Context, objs []*manifest.Object, opts Options, restore func(i int, typed any)) ([]error, [][]manifest.Problem, error) {
	const objectsPerRead = 64
	failed := make([]error, len(objs))
	left := make([][]manifest.Problem, len(objs))
	runs := fileRuns(len(objs), objectsPerRead, func(i int) bool {
		return objs[i].File == objs[i-1].File && objs[i].Released() == objs[i-1].Released()
	})
	err := forEach(ctx, len(runs), opts.Workers, func(r int) {
		first, end := runs[r][0], runs[r][1]
		if !objs[first].Released() { // kept decoded by the loader
			return
		}
		// span is nil on an error: Redecode then reads each document and reports it
		withSpan(objs[first:end], func(span []byte, off int64) {
			for i := first; i < end; i++ {
				typed, probs, err := objs[i].Redecode(span, off, opts.Limits)
				if err != nil {
					failed[i] = err
					continue
				}
				if objs[i].Partial() { // else the loader reported them
					left[i] = probs
				}
				restore(i, typed)
			}
		})
	})
	return failed, left, err
}

// withoutFailed returns the indexes of the objects decodeAgain did not
// fail on, and adds its errors for the others, but late failures, to errs.
func withoutFailed(failed []error, errs *[]error) []int {
	var decoded []int
	for i, err := range failed {
		switch {
		case err == nil:
			decoded = append(decoded, i)
		case err != errLate:
			*errs = append(*errs, err)
		}
	}
	return decoded
}

// pick returns items[i] for each i of at, in order.
func pick[T any](items []T, at []int) []T {
	var out []T
	for _, i := range at {
		out = append(out, items[i])
	}
	return out
}

// lateFailure is an object the loader decoded only in part that does not
// decode strictly: the problem it would have had when loaded whole.
type lateFailure struct {
	object  *manifest.Object
	problem manifest.Problem
}

// errLate marks in decodeAgain's failures those appendLate took.
var errLate = errors.New("decoded in part, failed whole")

// appendLate moves the failures of objects decoded in part that are
// problems with the document (not a file changed since) from failed to
// late.
func appendLate(late []lateFailure, objs []*manifest.Object, failed []error) []lateFailure {
	for i, err := range failed {
		var p manifest.Problem
		if err != nil && objs[i].Partial() && errors.As(err, &p) {
			late = append(late, lateFailure{objs[i], p})
			failed[i] = errLate
		}
	}
	return late
}

// leaveOutFailed takes the objects of late out of the run and records
// their problems where the loader would have (see check).
func (l *loaded) leaveOutFailed(late []lateFailure) {
	failed := make(map[*manifest.Object]bool, len(late))
	rank := make(map[string]int, len(l.order))
	for i, f := range l.order {
		rank[f] = i
	}
	for _, f := range late {
		failed[f.object] = true
		l.insertProblem(f.problem, rank)
		delete(l.ignores, f.object)
	}
	l.drop(failed)
}

// drop takes the objects of out out of the run, with their workloads.
func (l *loaded) drop(out map[*manifest.Object]bool) {
	n := 0
	for i, o := range l.objects {
		if out[o] {
			continue
		}
		l.objects[n] = o
		if l.workloads != nil {
			l.workloads[n] = l.workloads[i]
		}
		n++
	}
	clear(l.objects[n:])
	l.objects = l.objects[:n]
	if l.workloads != nil {
		clear(l.workloads[n:])
		l.workloads = l.workloads[:n]
	}
}

// addProblems records problems found in the passes, of objects the run
// goes on linting, where the loader would have.
func (l *loaded) addProblems(probs []manifest.Problem) {
	if len(probs) == 0 {
		return
	}
	rank := make(map[string]int, len(l.order))
	for i, f := range l.order {
		rank[f] = i
	}
	for _, p := range probs {
		l.insertProblem(p, rank)
	}
}

// insertProblem puts p among the problems of the files read, which the
// loader records last, in input order and document order (a JUnit report
// lists the files with problems only in the order of their problems).
func (l *loaded) insertProblem(p manifest.Problem, rank map[string]int) {
	after := func(q manifest.Problem) bool {
		r, ok := rank[q.File]
		return ok && (r > rank[p.File] || r == rank[p.File] && q.Doc > p.Doc)
	}
	i := len(l.problems)
	for i > 0 && after(l.problems[i-1]) {
		i--
	}
	l.problems = slices.Insert(l.problems, i, p)
}

package lint

import (
	"cmp"
	"context"
	"sync"
	"sync/atomic"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	catalog "github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// loaded is everything read from the input, in input order.
type loaded struct {
	order    []string // the names of the files read, in input order
	objects  []*manifest.Object
	problems []manifest.Problem
	errors   []error
	notices  []string
	// workloads[i] is the pod template of objects[i], perhaps released
	// (see rules.Workload.Release), or nil; ignores holds what suppression
	// reads of the annotations of the objects whose maps the loader
	// dropped (released objects, kinds no rule reads).
	workloads []*rules.Workload
	ignores   map[*manifest.Object]ignoreAnnotations
	declared  []declared // cluster facts the objects declare (AnnotFacts)
	// left counts the objects left out of objects (see leaveOut): how
	// many, and the namespaces they name, which the index knows of.
	left struct {
		count      int
		namespaces []string
	}
	// rendered are the documents rendered from charts and Kustomize
	// directories, by the name they were loaded under.
	rendered map[string]*renderedDoc
	// environments are the chart environments rendered
	// (render.Target.Environment), whether or not they rendered a
	// document: the plain files are checked with each.
	environments []string
	// stdinDocs counts the YAML documents standard input held, whether
	// they gave objects or not: an empty List is one document and no
	// object, and a valid input.
	stdinDocs int
	// live is the cluster's input (Options.Live), nil without one.
	live *liveRun
}

// ignoreAnnotations are the meshbatch.dev/ignore annotations (and their
// reasons) of an object and of its pod template, and the template's path.
type ignoreAnnotations struct {
	own, template map[string]string
	templatePath  string // "spec.template"; "" for objects without a template, and Pods
}

// ignoreAnnotationsOf reads them from a decoded object, keeping only the
// keys suppression reads.
func ignoreAnnotationsOf(o *manifest.Object) ignoreAnnotations {
	ia := ignoreAnnotations{own: ignoreKeys(o.Annotations)}
	if ann, path := rules.TemplateAnnotations(o); path != "" {
		ia.template, ia.templatePath = ignoreKeys(ann), path
	}
	return ia
}

func ignoreKeys(ann map[string]string) map[string]string {
	v, ok := ann[AnnotIgnore]
	if !ok {
		return nil
	}
	keep := map[string]string{AnnotIgnore: v}
	if r, ok := ann[AnnotIgnoreReason]; ok {
		keep[AnnotIgnoreReason] = r
	}
	return keep
}

// fileResult holds one file's documents; workers fill docs[i] in parallel.
type fileResult struct {
	docs []docResult
	// For a regular file, whose objects keep none of its bytes (see
	// manifest.Object.ReleaseDocument): the batches not yet decoded, and
	// the buffer its bytes are in, recycled after the last.
	pending atomic.Int32
	buf     *[]byte
	data    []byte
	live    bool // a page of the cluster's objects
	// decoded, for a page of the cluster's objects, is called once its
	// last batch is decoded and its buffer recycled.
	decoded func()
}

// fileBufs recycles the buffers regular files are read into: every file
// of the input goes through one, garbage once its file is decoded.
var fileBufs = sync.Pool{New: func() any { return new([]byte) }}

// batchDone notes that a batch of fr's documents is decoded, and recycles
// the file's buffer after the last.
func (fr *fileResult) batchDone() {
	if fr.buf != nil && fr.pending.Add(-1) == 0 {
		data := fr.data
		if poisonBuffers { // a test: anything that kept the bytes reads garbage
			for i := range data {
				data[i] = '!'
			}
		}
		*fr.buf = data[:0]
		fileBufs.Put(fr.buf)
		fr.buf, fr.data = nil, nil
		if fr.decoded != nil {
			fr.decoded()
		}
	}
}

// poisonBuffers is set by tests to overwrite the recycled buffers of file
// bytes once used.
var poisonBuffers = false

type docResult struct {
	objects   []*manifest.Object
	problems  []manifest.Problem
	workloads []*rules.Workload       // aligned with objects, nil when there are none
	ignores   []ignoreAnnotations     // aligned with objects, when one whose maps go has any
	declared  []declared              // the objects' AnnotFacts (declared.go)
	notices   []string                // about the job specs it held (checkSpecs)
	owners    []ownerRef              // aligned with objects, for a page of live objects
	unknown   []manifest.UnknownField // fields of live objects these types lack, dropped
}

// job is a batch of documents of one file for a worker.
type job struct {
	file   string
	res    *fileResult
	first  int
	chunks []manifest.Chunk
	// regular is set for regular files: their objects let go of the
	// file's bytes, which findings read back (see ReleaseDocument).
	regular bool
	// docBase numbers the documents of a page of live objects after those
	// of the pages before, in the one spool file they share.
	docBase int
	live    bool
}

// batchSize is how many documents a worker takes at once: big enough to
// keep channel traffic negligible, small enough to spread one huge file
// over every worker.
const batchSize = 32

// load reads every path. Files are read and split into documents by one
// goroutine (cheap: a read and a scan for "---"); parsing and decoding,
// where the time goes, is spread over opts.Workers goroutines by batches of
// documents, so even a single huge file from stdin uses every core.
func load(ctx context.Context, paths []string, opts Options) (*loaded, error) {
	if opts.plan == nil { // as Run would plan for every rule
		opts.plan = rules.PlanReads(catalog.All())
	}
	out := &loaded{}
	jobs := make(chan job, opts.Workers*2)
	keep := newKeepBudget(int64(cmp.Or(opts.Residency.WorkloadsKept, workloadsKept))) // negative: keep none
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			for j := range jobs {
				for i, c := range j.chunks {
					objs, probs, unknown := loadDocument(j.file, j.docBase+j.first+i, c, opts, keep, j.live)
					probs = templateHint(c, probs)
					objs, probs, notices := checkSpecs(j.file, j.first+i, c, objs, probs, opts)
					if j.regular {
						for _, o := range objs {
							o.ReleaseDocument()
						}
					}
					d := docResult{objects: objs, problems: probs, notices: notices, unknown: unknown}
					if j.live {
						d.owners = make([]ownerRef, len(objs))
						for k, o := range objs {
							d.owners[k], _ = controllerOf(o.Typed)
						}
					}
					decl := declaredOf(objs) // before the annotations may go
					if !opts.Residency.KeepAll {
						d = releaseObjects(d, keep, opts.plan)
					}
					d.declared = decl
					j.res.docs[j.first+i] = d
				}
				j.res.batchDone()
			}
		})
	}

	var results []*fileResult
	send := func(name string, data []byte, regular bool, buf *[]byte) {
		chunks := manifest.SplitDocuments(data)
		if name == StdinName {
			out.stdinDocs += len(chunks)
		}
		fr := &fileResult{docs: make([]docResult, len(chunks))}
		results = append(results, fr)
		out.order = append(out.order, name)
		if regular && buf != nil {
			fr.buf, fr.data = buf, data
			fr.pending.Store(int32((len(chunks)+batchSize-1)/batchSize) + 1)
			defer fr.batchDone() // the +1: a file of no documents is done here
		}
		for first := 0; first < len(chunks); first += batchSize {
			end := min(first+batchSize, len(chunks))
			jobs <- job{file: name, res: fr, first: first, chunks: chunks[first:end], regular: regular}
		}
	}
	walkErr := walkInputs(ctx, paths, opts, out, send)
	if walkErr == nil && opts.Live != nil {
		out.live, walkErr = newLiveRun(opts.Live)
		if walkErr == nil {
			docs := 0
			walkErr = out.live.read(ctx, opts.Live, out, func(page []byte, off int64, line int, buf *[]byte) {
				chunks := manifest.SplitDocuments(page)
				for i := range chunks {
					chunks[i].Offset += int(off)
					chunks[i].StartLine += line - 1
				}
				decoded := make(chan struct{})
				fr := &fileResult{docs: make([]docResult, len(chunks)), buf: buf, data: page, live: true,
					decoded: func() { out.live.released(); close(decoded) }}
				results = append(results, fr)
				fr.pending.Store(int32((len(chunks)+batchSize-1)/batchSize) + 1)
				for first := 0; first < len(chunks); first += batchSize {
					end := min(first+batchSize, len(chunks))
					jobs <- job{file: out.live.name, res: fr, first: first, chunks: chunks[first:end], regular: true, docBase: docs, live: true}
				}
				docs += len(chunks)
				fr.batchDone() // the +1: a page of no documents is done here
				// The next page is read once this one is decoded: a
				// page of raw objects at a time, as issue 18 bounds
				// it; the lister lists the next meanwhile.
				<-decoded
			})
		}
	}
	close(jobs)
	wg.Wait()
	if walkErr != nil {
		out.live.close()
		return nil, walkErr
	}
	n := 0
	for _, fr := range results {
		for _, d := range fr.docs {
			n += len(d.objects)
		}
	}
	// Sized at once: the two lists grown by append would hold their spare
	// room through the run.
	out.objects = make([]*manifest.Object, 0, n)
	if !opts.Residency.KeepAll {
		out.workloads = make([]*rules.Workload, 0, n)
	}
	seen := map[string]bool{} // namespaces of the objects left out
	inFiles := filesDefine(results, out.live)
	// shadowing are the files' objects the cluster has too, by their
	// index in out.objects: several for an object that a chart renders
	// for each of its environments, and each takes the cluster's status.
	var shadowing map[objectKey][]int
	for _, fr := range results {
		for _, d := range fr.docs {
			for i, o := range d.objects {
				if fr.live {
					if inFiles[keyOf(o)] {
						out.live.shadowed++ // the file's object is linted instead
						for _, at := range shadowing[keyOf(o)] {
							out.takeLiveStatus(at, o, opts)
						}
						continue
					}
					if d.owners[i] != (ownerRef{}) {
						if out.live.owners == nil {
							out.live.owners = map[*manifest.Object]ownerRef{}
						}
						out.live.owners[o] = d.owners[i]
					}
				}
				var w *rules.Workload
				if d.workloads != nil {
					w = d.workloads[i]
				}
				var ia ignoreAnnotations
				if d.ignores != nil {
					ia = d.ignores[i]
				}
				if leaveOut(o, w, ia, opts) {
					out.left.count++
					if o.Namespace != "" && !seen[o.Namespace] {
						seen[o.Namespace] = true
						out.left.namespaces = append(out.left.namespaces, o.Namespace)
					}
					continue
				}
				out.objects = append(out.objects, o)
				if !opts.Residency.KeepAll { // else NewIndexOf reads the templates itself
					out.workloads = append(out.workloads, w)
				}
				if !fr.live && inFiles[keyOf(o)] {
					if shadowing == nil {
						shadowing = map[objectKey][]int{}
					}
					shadowing[keyOf(o)] = append(shadowing[keyOf(o)], len(out.objects)-1)
				}
				if ia.own != nil || ia.template != nil {
					if out.ignores == nil {
						out.ignores = map[*manifest.Object]ignoreAnnotations{}
					}
					out.ignores[o] = ia
				}
			}
			out.problems = append(out.problems, d.problems...)
			out.declared = append(out.declared, d.declared...)
			out.notices = append(out.notices, d.notices...)
			for _, u := range d.unknown {
				out.live.unknown[u] = true
			}
		}
	}
	return out, nil
}

// filesDefine returns the objects the files define, when there is a live
// input: a live object of the same kind, namespace and name is left out,
// the file's version of it linted.
func filesDefine(results []*fileResult, live *liveRun) map[objectKey]bool {
	if live == nil {
		return nil
	}
	keys := map[objectKey]bool{}
	for _, fr := range results {
		if fr.live {
			continue
		}
		for _, d := range fr.docs {
			for _, o := range d.objects {
				if o.Name != "" {
					keys[keyOf(o)] = true
				}
			}
		}
	}
	return keys
}

// leaveOut reports whether the loader can leave an object out of the
// run: one of a kind no rule reads (or one that failed to decode, whose
// problems are recorded), without an ignore annotation to check, when no
// report lists every object. What the run needs of it is counted in
// loaded.left: such kinds (Roles, Secrets, CRDs) are most of a rendered
// Helm chart, and their envelopes would stay in the heap for nothing.
func leaveOut(o *manifest.Object, w *rules.Workload, ia ignoreAnnotations, opts Options) bool {
	return !opts.Residency.KeepAll && !opts.ListObjects && w == nil && o.Typed == nil && !o.Released() &&
		ia.own == nil && ia.template == nil
}

package lint

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/render"
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

// walkInputs reads each path and hands its bytes to send. Unreadable paths
// are recorded and skipped; only a cancelled context stops the walk. A
// file reached twice (named twice, as ./a.yaml and a.yaml, through a
// symbolic link, or named and also found in a directory given too) is
// read once, under the name and at the place it was first reached.
func walkInputs(ctx context.Context, paths []string, opts Options, out *loaded, send func(string, []byte, bool, *[]byte)) error {
	limit := opts.Limits.MaxFileBytes
	if limit <= 0 {
		limit = manifest.DefaultMaxFileBytes
	}
	limit = min(limit, manifest.MaxFileBytes)
	raise := opts.Limits.Hints[manifest.LimitFileSize]
	readOne := func(name string, r io.Reader, regular bool, size int64) {
		if size > limit { // refused before reading a byte of it
			out.errors = append(out.errors, errorf(name, "%s", overLimit(size, limit, raise)))
			return
		}
		var buf *[]byte // a recycled buffer, for a regular file (see fileResult)
		if regular {
			buf = fileBufs.Get().(*[]byte)
		}
		data, err := readLimited(r, limit, size, buf, raise)
		if err != nil {
			if buf != nil {
				fileBufs.Put(buf)
			}
			out.errors = append(out.errors, errorf(name, "%v", err))
			return
		}
		data = manifest.NormalizeLineBreaks(data) // lone CRs are line breaks to YAML
		send(name, data, regular, buf)
	}
	seen := &seenFiles{}
	stdinUsed := false
	excl := excluder(opts.Exclude)
	var found targets // charts and Kustomize directories, rendered after the walk
	detect := opts.Render.Renderer != nil
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == "-" {
			if stdinUsed {
				continue
			}
			stdinUsed = true
			if opts.Stdin == nil {
				out.errors = append(out.errors, errorf(StdinName, "no standard input"))
				continue
			}
			readOne(StdinName, opts.Stdin, false, -1)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			out.errors = append(out.errors, errorf(p, "%v", describeFSError(err)))
			continue
		}
		if dir, kind := namedTarget(p, info.IsDir(), opts); dir != "" && excl.match(render.MarkerFile(dir, kind)) == "" {
			// A file of a chart or a Kustomize directory (a changed
			// template, values file or patch): what it belongs to is
			// linted, as rendered.
			if why := excl.match(dir); why != "" {
				out.notices = append(out.notices, p+": excluded by "+why+" (its directory "+dir+"), so not rendered")
				continue
			}
			found.add(kind, dir)
			if kind == render.Kustomize && !info.IsDir() {
				// A changed base file: the overlays that use the base
				// build it, and lint it as they do. (A base directory
				// named alone is linted alone.)
				for _, u := range found.usersOf(dir, opts) {
					found.add(render.Kustomize, u)
				}
			}
			continue
		}
		if why := excl.match(p); why != "" {
			// Named, and excluded: said, so that it is never left out
			// unnoticed.
			out.notices = append(out.notices, p+": excluded by "+why+", so not read")
			continue
		}
		if !info.IsDir() && isTemplateHelper(p) {
			// A Go template file (a chart's _helpers.tpl, which pre-commit
			// passes like a template) is never a manifest: linted with the
			// chart that renders it, and not read when none does.
			out.notices = append(out.notices, p+": a template file (.tpl) that no Helm chart of the input renders, so not read; lint the chart it belongs to")
			continue
		}
		if !info.IsDir() {
			// A path named on the command line is read whatever its name
			// or type: it may be a process substitution like <(helm template).
			readPath(p, readOne, out, seen, opts.Overlay)
			continue
		}
		before := len(found.list)
		files, excluded, errs := walkDir(p, excl, detect, &found)
		out.errors = append(out.errors, errs...)
		switch {
		case len(files) > 0 || len(errs) > 0 || len(found.list) > before:
		case excluded > 0:
			out.notices = append(out.notices, fmt.Sprintf("%s: every .yaml, .yml and .json file is excluded (by %s)", p, excl.describe()))
		default:
			// Not an error (an empty folder is a valid input), but a CI
			// job pointed at the wrong one must not pass unnoticed.
			out.notices = append(out.notices, p+": no .yaml, .yml or .json files (hidden directories are skipped)")
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			readPath(f, readOne, out, seen, opts.Overlay)
		}
	}
	found.dropBases(out)
	return renderTargets(ctx, found.list, opts, out, send)
}

func readPath(p string, readOne func(string, io.Reader, bool, int64), out *loaded, seen *seenFiles, overlay map[string][]byte) {
	f, err := os.Open(p)
	if err != nil {
		out.errors = append(out.errors, errorf(p, "%v", describeFSError(err)))
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err == nil && !seen.add(info) {
		return // already read under another name
	}
	if data, ok := overlay[p]; ok {
		// Not regular: the objects keep these bytes, which the file on
		// disk does not hold.
		readOne(p, bytes.NewReader(data), false, int64(len(data)))
		return
	}
	regular := err == nil && info.Mode().IsRegular()
	size := int64(-1)
	if regular {
		size = info.Size()
	}
	readOne(p, f, regular, size)
}

// seenFiles remembers the files read, by identity (os.SameFile: device
// and inode on Unix), so that no file is read twice. Files are grouped by
// size, so a file is compared only with the few of the same size.
type seenFiles struct {
	bySize map[int64][]os.FileInfo
}

// add records info and reports whether its file was not seen before.
func (s *seenFiles) add(info os.FileInfo) bool {
	if s.bySize == nil {
		s.bySize = map[int64][]os.FileInfo{}
	}
	size := info.Size()
	for _, prev := range s.bySize[size] {
		if os.SameFile(prev, info) {
			return false
		}
	}
	s.bySize[size] = append(s.bySize[size], info)
	return true
}

// readLimited reads all of r, refusing more than limit bytes. size is the
// file's size when known (-1 otherwise): reading into a buffer of that size
// saves io.ReadAll's doublings, which allocated twice the input. raise is
// the limit's hint (manifest.Limits.Hints).
func readLimited(r io.Reader, limit, size int64, buf *[]byte, raise string) ([]byte, error) {
	r = io.LimitReader(r, limit+1)
	var data []byte
	if buf != nil {
		data = (*buf)[:0]
	}
	if size >= 0 && size <= limit {
		data = slices.Grow(data, int(size+1)) // +1: the read that finds the end needs room
	} else {
		data = slices.Grow(data, 512)
	}
	for {
		if len(data) == cap(data) { // a pipe, or a file that grew
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, describeFSError(err)
		}
	}
	if int64(len(data)) > limit {
		return nil, errors.New(overLimit(-1, limit, raise))
	}
	return data, nil
}

// overLimit explains a file over the size limit; size is -1 when only
// the limit is known (a pipe). raise is the limit's hint, if any.
func overLimit(size, limit int64, raise string) string {
	what := "larger than"
	if size >= 0 {
		what = fmt.Sprintf("%s, over", humanBytes(size))
	}
	if limit == manifest.MaxFileBytes || size > manifest.MaxFileBytes {
		whole := "2 GiB or more"
		if size >= 0 {
			whole = humanBytes(size)
		}
		return whole + "; meshbatch reads files under 2 GiB only, so not read"
	}
	if raise != "" {
		return fmt.Sprintf("%s the limit of %s, so not read; raise it with %s if this is a real manifest", what, humanBytes(limit), raise)
	}
	return fmt.Sprintf("%s the limit of %s, so not read", what, humanBytes(limit))
}

// humanBytes writes a size the way --max-file-size takes it.
func humanBytes(n int64) string {
	for _, u := range []struct {
		unit   string
		factor int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.factor {
			if n%u.factor == 0 {
				return fmt.Sprintf("%d %s", n/u.factor, u.unit)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.factor), u.unit)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// isTemplateHelper reports whether a file is a Go template file of the
// kind charts keep their helpers in (_helpers.tpl).
func isTemplateHelper(p string) bool {
	return strings.EqualFold(filepath.Ext(p), ".tpl")
}

// manifestExt lists the file extensions a directory walk reads.
var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// walkDir lists the manifest files under root in lexical order. It does not
// follow symbolic links to directories (so link loops cannot trap it), reads
// links to files, skips sockets, pipes and devices, and skips hidden
// directories such as .git, and the files and directories excl matches,
// which it counts.
//
// With detect, a directory that is a Helm chart or a Kustomize directory
// (the root included) is added to found and not walked into: it is linted
// as rendered.
func walkDir(root string, excl excluder, detect bool, found *targets) ([]string, int, []error) {
	var files []string
	var errs []error
	excluded := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, errorf(p, "%v", describeFSError(err)))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			if p != root && excl.match(p) != "" {
				excluded++
				return fs.SkipDir
			}
			if detect {
				// An excluded Chart.yaml or kustomization file leaves the
				// directory to be walked as plain files.
				if kind := render.KindOf(p); kind != "" && excl.match(render.MarkerFile(p, kind)) == "" {
					found.add(kind, p)
					return fs.SkipDir
				}
			}
			return nil
		}
		if !manifestExt[strings.ToLower(filepath.Ext(p))] {
			return nil
		}
		if excl.match(p) != "" {
			excluded++
			return nil
		}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			info, err := os.Stat(p)
			if err != nil {
				what := "broken symbolic link"
				if errors.Is(err, syscall.ELOOP) {
					what = "symbolic link loop"
				}
				errs = append(errs, errorf(p, "%s: %v", what, describeFSError(err)))
				return nil
			}
			mode = info.Mode().Type()
		}
		if mode.IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, errorf(root, "%v", err))
	}
	sort.Strings(files)
	return files, excluded, errs
}

// describeFSError drops the repeated path from *PathError messages.
func describeFSError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

package lint

import (
	"cmp"
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

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

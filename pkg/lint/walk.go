package lint

import (
	"bytes"
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
	"syscall"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/render"
)

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

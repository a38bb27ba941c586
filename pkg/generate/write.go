package generate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// ErrOutOfDate is returned by a --check run that found the directory
// different from what would be generated; the diff has been written.
var ErrOutOfDate = errors.New("generated manifests are out of date")

// Options configure a run of generate.
type Options struct {
	// Specs are the job specs to read: files, directories (their .yaml
	// and .yml files), and "-" for Stdin (not with OutDir). Several specs
	// make one run: their objects go out together, the shared ones once.
	Specs  []string
	Stdin  io.Reader // read for the spec "-"
	OutDir string    // write one file per object here; "" writes the stream to Stdout
	Check  bool      // with OutDir: change nothing, diff OutDir against the output
	Force  bool      // with OutDir: overwrite files meshbatch did not generate
	Stdout io.Writer // the stream, or --check's diff
	Stderr io.Writer // warnings about the specs, what Facts filled in, and a one-line summary of what changed in OutDir
	// Facts are a cluster's facts (a facts file of meshbatch facts): they
	// fill the spec.mesh fields the specs leave out, and Stderr says
	// which, naming FactsFile.
	Facts     *mesh.Facts
	FactsFile string
}

// Run reads the specs and writes, prints or checks their manifests. A bad
// spec gives a *SpecError (SpecErrors for several), specs that cannot be
// applied together a *ConflictError; either changes nothing.
func Run(opts Options) error {
	if len(opts.Specs) == 0 {
		return errors.New("no job spec: pass -f FILE")
	}
	if opts.Check && opts.OutDir == "" {
		return errors.New("--check compares a directory: pass -o DIR")
	}
	if slices.Contains(opts.Specs, "-") && opts.OutDir != "" {
		return errors.New("-o names the spec file in every file it writes: pass the spec as a file, not -f -")
	}
	files, dirs, err := expandSpecs(opts.Specs)
	if err != nil {
		return err
	}
	runs, err := loadSpecs(files, opts)
	if err != nil {
		return err
	}
	objs, err := mergeObjects(runs)
	if err != nil {
		return err
	}
	var sources []string
	for _, r := range runs {
		sources = append(sources, r.source)
	}
	if opts.OutDir == "" {
		_, err := opts.Stdout.Write(renderMerged(sources, objs))
		return err
	}
	p, err := planDir(opts.OutDir, sources, claimedBy(opts.OutDir, sources, dirs), filesOf(objs))
	if err != nil {
		return err
	}
	if opts.Check {
		err := p.check(opts.Stdout, opts.Stderr)
		if opts.Stderr != nil && (err == nil || errors.Is(err, ErrOutOfDate)) {
			fmt.Fprintln(opts.Stderr, p.checkSummary(runs))
		}
		return err
	}
	if err := p.refuse(opts.Force); err != nil {
		return err
	}
	if err := p.apply(); err != nil {
		return err
	}
	if opts.Stderr != nil {
		fmt.Fprintln(opts.Stderr, p.summary())
	}
	return nil
}

// loadSpecs reads and validates every spec of the run and generates its
// objects. Every bad spec is reported, not the first alone; the warnings
// of the good ones go to opts.Stderr.
func loadSpecs(files []string, opts Options) ([]specRun, error) {
	var runs []specRun
	var bad SpecErrors
	for _, file := range files {
		data, err := readSpec(file, opts.Stdin)
		if err != nil {
			return nil, err
		}
		job, filled, err := load(specName(file), data, opts.Facts)
		var se *SpecError
		switch {
		case errors.As(err, &se):
			bad = append(bad, se)
			continue
		case err != nil:
			return nil, err
		}
		if len(filled) > 0 && opts.Stderr != nil {
			fmt.Fprintf(opts.Stderr, "meshbatch: %s: from the facts file %s: %s\n", job.Source, opts.FactsFile, strings.Join(filled, ", "))
		}
		if opts.Stderr != nil {
			for _, n := range job.Notes {
				fmt.Fprintln(opts.Stderr, n)
			}
		}
		source := specName(file)
		if opts.OutDir != "" {
			source = sourceFrom(opts.OutDir, file)
		}
		runs = append(runs, specRun{file: file, name: specName(file), source: source, job: job, objs: Generate(job)})
	}
	switch len(bad) {
	case 0:
		return runs, nil
	case 1:
		return nil, bad[0]
	}
	return nil, bad
}

// renderMerged writes the objects of a run as one YAML stream, under a
// header that names every spec.
func renderMerged(sources []string, objs []merged) []byte {
	var buf bytes.Buffer
	buf.WriteString(sharedHeader(sources))
	for i, o := range objs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(o.body)
	}
	return buf.Bytes()
}

// filesOf renders one file per object, its header naming the specs that
// generate it.
func filesOf(objs []merged) []File {
	files := make([]File, 0, len(objs))
	for _, o := range objs {
		data := append([]byte(sharedHeader(o.sources)), o.body...)
		files = append(files, File{Name: FileName(o.Object), Data: data, Shared: o.Shared, sources: o.sources})
	}
	return files
}

// sourceFrom is how the files in dir name their spec: its path relative
// to dir, so that the same spec is recognised wherever generate runs from
// and in any checkout of a repository holding both.
func sourceFrom(dir, specFile string) string {
	absDir, err1 := filepath.Abs(dir)
	absSpec, err2 := filepath.Abs(specFile)
	if err1 != nil || err2 != nil {
		return cleanSource(specFile)
	}
	rel, err := filepath.Rel(absDir, absSpec)
	if err != nil { // another volume
		return cleanSource(absSpec)
	}
	return cleanSource(rel)
}

// specName is how messages and the stream's header name the spec.
func specName(specFile string) string {
	if specFile == "-" {
		return "<stdin>"
	}
	return cleanSource(specFile)
}

func readSpec(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		if stdin == nil {
			return nil, errors.New("-f -: no standard input")
		}
		data, err := io.ReadAll(io.LimitReader(stdin, maxSpecBytes+1))
		if err != nil {
			return nil, fmt.Errorf("<stdin>: cannot read the job spec: %w", err)
		}
		return data, nil
	}
	f, err := os.Open(name)
	if err == nil {
		defer f.Close()
		var data []byte
		if data, err = io.ReadAll(io.LimitReader(f, maxSpecBytes+1)); err == nil {
			return data, nil
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is named once, first
	}
	return nil, fmt.Errorf("%s: cannot read the job spec: %w", name, err)
}

// change is one file of the output directory that differs from the
// generated set.
type change struct {
	name     string
	old, new []byte // nil: the file does not exist (old) or goes away (new)
	foreign  bool   // it exists and meshbatch did not generate it
	special  string // it exists and is not a regular file: "a symbolic link", ...
	// owners are the other specs that generated the file, when this spec
	// would change what they wrote: two specs that disagree about a
	// shared object, or that write the same object.
	owners []string
	shared bool
}

// dirPlan is what writing the files to a directory would change.
type dirPlan struct {
	dir       string
	changes   []change
	unchanged int
}

// planDir compares the generated files with the directory. runSources
// are the specs of the run; inRun says which specs named in headers the
// run answers for (its own, and those of the spec directories it was
// given, see claimedBy). Files that carry only such specs in their header
// and are no longer generated are stale: a destination removed from a
// spec, or a spec removed from its directory, must not leave its policy
// behind. Shared files (the Namespace and its PeerAuthentication) name in
// their header every spec that generates them; a run adds or removes only
// its own specs, so runs of the jobs of one namespace, per spec or
// together, agree. Only files with a meshbatch header are read whole; for
// the others the first 4 KiB say so, and a large unrelated file costs
// nothing.
func planDir(dir string, runSources []string, inRun func(source string) bool, files []File) (*dirPlan, error) {
	p := &dirPlan{dir: dir}
	wanted := map[string]bool{}
	for _, f := range files {
		wanted[f.Name] = true
	}
	existing := map[string][]byte{}
	special := map[string]string{} // entries that are not regular files
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		if !e.Type().IsRegular() {
			special[e.Name()] = describeType(e.Type())
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !wanted[e.Name()] {
			head, err := readHead(path)
			if err != nil {
				return nil, err
			}
			if !bytes.HasPrefix(head, []byte(headerPrefix)) {
				continue // not meshbatch's: never touched
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		existing[e.Name()] = data
	}
	for _, f := range files {
		if what := special[f.Name]; what != "" {
			// Renaming over it would replace a link or a pipe someone put
			// there: meshbatch never wrote one.
			p.changes = append(p.changes, change{name: f.Name, new: f.Data, foreign: true, special: what})
			continue
		}
		old, ok := existing[f.Name]
		if !ok {
			p.changes = append(p.changes, change{name: f.Name, new: f.Data})
			continue
		}
		sources, body, generated := parseHeader(old)
		if !generated {
			p.changes = append(p.changes, change{name: f.Name, old: old, new: f.Data, foreign: true})
			continue
		}
		c := change{name: f.Name, old: old, new: f.Data, shared: f.Shared}
		if others := slices.DeleteFunc(slices.Clone(sources), inRun); len(others) > 0 {
			_, newBody, _ := parseHeader(f.Data)
			if f.Shared && bytes.Equal(body, newBody) {
				c.new = append([]byte(sharedHeader(append(others, f.sourcesOr(runSources)...))), body...)
			} else {
				c.owners = others
			}
		}
		if bytes.Equal(c.old, c.new) {
			p.unchanged++
			continue
		}
		p.changes = append(p.changes, c)
	}
	for _, name := range sortedKeys(existing) {
		if wanted[name] {
			continue
		}
		sources, body, _ := parseHeader(existing[name])
		if !slices.ContainsFunc(sources, inRun) {
			continue // other specs'
		}
		c := change{name: name, old: existing[name]}
		if others := slices.DeleteFunc(slices.Clone(sources), inRun); len(others) > 0 {
			c.new = append([]byte(sharedHeader(others)), body...)
		}
		p.changes = append(p.changes, c)
	}
	slices.SortFunc(p.changes, func(a, b change) int { return strings.Compare(a.name, b.name) })
	return p, nil
}

func describeType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// readHead reads the first 4 KiB of a file.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return buf[:n], nil
}

// refuse stops before a file meshbatch did not write, or that another
// spec wrote differently, is replaced.
func (p *dirPlan) refuse(force bool) error {
	var names []string
	for _, c := range p.changes {
		if c.special != "" {
			return fmt.Errorf("%s is %s, where meshbatch writes a file: move it away (--force does not replace it); nothing was written",
				filepath.Join(p.dir, c.name), c.special)
		}
		if c.foreign && !force {
			names = append(names, filepath.Join(p.dir, c.name))
		}
	}
	if len(names) > 0 {
		return fmt.Errorf("%s: not generated by meshbatch (no %q header), so not overwritten; move it away or pass --force; nothing was written",
			strings.Join(names, ", "), strings.TrimSpace(headerPrefix))
	}
	if force {
		return nil
	}
	var shared, owned []change
	for _, c := range p.changes {
		switch {
		case len(c.owners) == 0:
		case c.shared:
			shared = append(shared, c)
		default:
			owned = append(owned, c)
		}
	}
	var msgs []string
	for _, cs := range [][]change{shared, owned} {
		if len(cs) > 0 {
			msgs = append(msgs, p.conflict(cs))
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("%s; nothing was written", strings.Join(msgs, "; "))
	}
	return nil
}

// conflict says why changes, all to shared files or all to others, would
// overwrite what other specs generated.
func (p *dirPlan) conflict(cs []change) string {
	var paths, owners []string
	for _, c := range cs {
		paths = append(paths, filepath.Join(p.dir, c.name))
		owners = append(owners, c.owners...)
	}
	slices.Sort(owners)
	owners = slices.Compact(owners)
	if cs[0].shared {
		return fmt.Sprintf("%s: also generated from %s, differently: the jobs of one namespace share these files, "+
			"so their specs must agree on mesh.dataplane and mesh.istioVersion",
			strings.Join(paths, ", "), strings.Join(owners, ", "))
	}
	return fmt.Sprintf("%s: generated from %s: two specs would write the same objects "+
		"(the same name, or the same serviceAccount, in one namespace?); "+
		"if this spec was moved or renamed, pass --force to take the files over",
		strings.Join(paths, ", "), strings.Join(owners, ", "))
}

// check writes a unified diff of every change to w and reports whether
// there were any; a change that another spec's run would undo is also
// explained on explain.
func (p *dirPlan) check(w, explain io.Writer) error {
	if len(p.changes) == 0 {
		return nil
	}
	for _, c := range p.changes {
		path := filepath.ToSlash(filepath.Join(p.dir, c.name))
		oldName, newName := path, path+" (generated)"
		switch {
		case c.old == nil:
			oldName = "/dev/null"
		case c.new == nil:
			newName = "/dev/null"
		}
		if _, err := w.Write(diff.Diff(oldName, c.old, newName, c.new)); err != nil {
			return err
		}
		if len(c.owners) > 0 && explain != nil {
			fmt.Fprintln(explain, p.conflict([]change{c}))
		}
	}
	return ErrOutOfDate
}

// checkSummary says what --check compared, and how it came out.
func (p *dirPlan) checkSummary(runs []specRun) string {
	specs := runs[0].name
	if len(runs) > 1 {
		specs = fmt.Sprintf("%d specs", len(runs))
	}
	if len(p.changes) == 0 {
		return fmt.Sprintf("%s: up to date with %s (%s)", p.dir, specs, plural(p.unchanged, "file"))
	}
	var missing, differ, stale int
	for _, c := range p.changes {
		switch {
		case c.old == nil:
			missing++
		case c.new == nil:
			stale++
		default:
			differ++
		}
	}
	var parts []string
	for _, n := range []struct {
		n    int
		what string
	}{{differ, "changed"}, {missing, "missing"}, {stale, "stale"}} {
		if n.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n.n, n.what))
		}
	}
	return fmt.Sprintf("%s: out of date with %s: %d of %s (%s); generate without --check writes them",
		p.dir, specs, len(p.changes), plural(len(p.changes)+p.unchanged, "file"), strings.Join(parts, ", "))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (p *dirPlan) summary() string {
	var written, removed int
	for _, c := range p.changes {
		if c.new == nil {
			removed++
		} else {
			written++
		}
	}
	s := fmt.Sprintf("%s: %d written, %d unchanged", p.dir, written, p.unchanged)
	if removed > 0 {
		s += fmt.Sprintf(", %d stale removed", removed)
	}
	return s
}

// apply makes the changes so that the directory ends up either fully
// updated or as it was. Every new file and a backup of every file to be
// replaced or removed are first written to temporary files in the
// directory and synced; then the renames happen, and are undone from the
// backups if one fails.
func (p *dirPlan) apply() (err error) {
	if len(p.changes) == 0 {
		return nil
	}
	// The directories this run creates (the output directory and any
	// missing parents) go again if it fails: leave no trace of a failure.
	var created []string
	for d := filepath.Clean(p.dir); ; d = filepath.Dir(d) {
		if _, statErr := os.Lstat(d); !errors.Is(statErr, fs.ErrNotExist) {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	defer func() {
		if err != nil {
			for _, d := range created { // deepest first; only empty ones go
				os.Remove(d)
			}
		}
	}()
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	type step struct {
		target, tmp, backup string // tmp: the new content; backup: the old
	}
	var steps []step
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	for _, c := range p.changes {
		s := step{target: filepath.Join(p.dir, c.name)}
		if c.new != nil {
			if s.tmp, err = writeTemp(p.dir, c.new); err != nil {
				return err
			}
			temps = append(temps, s.tmp)
		}
		if c.old != nil {
			if s.backup, err = writeTemp(p.dir, c.old); err != nil {
				return err
			}
			temps = append(temps, s.backup)
		}
		steps = append(steps, s)
	}
	for i, s := range steps {
		var opErr error
		if s.tmp != "" {
			opErr = rename(s.tmp, s.target)
		} else {
			opErr = os.Remove(s.target)
		}
		if opErr != nil {
			for _, done := range slices.Backward(steps[:i]) {
				if done.backup != "" {
					os.Rename(done.backup, done.target)
				} else {
					os.Remove(done.target)
				}
			}
			return fmt.Errorf("%w; the directory was restored", opErr)
		}
	}
	return syncDir(p.dir)
}

// rename is os.Rename; tests make it fail half-way.
var rename = os.Rename

// writeTemp writes data to a new hidden file in dir and syncs it.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".meshbatch-*.tmp")
	if err != nil {
		return "", err
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// syncDir makes the renames durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}

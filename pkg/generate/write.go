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

// Package fix applies the fixes rules attach to findings: Plan gathers
// their edits by file and leaves out the fixes whose edits overlap ones
// already taken; Run lints, plans and lints the result again, in rounds,
// so that those and the fixes a fix makes possible land in one run, then
// writes each changed file once, atomically, or shows the change as a
// unified diff.
package fix

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// File is the change to one file.
type File struct {
	Name     string
	Old, New []byte
	Applied  []lint.Finding // the findings whose fixes New holds
	// Overlapping are findings whose fixes overlap an applied one: run
	// fix again on New to apply them.
	Overlapping []lint.Finding
	// NoChange are findings whose fixes, applied, leave the file as it
	// is: a bug in the rule's fix, which would otherwise pass for done.
	NoChange []lint.Finding

	edits   []manifest.Edit   // Plan's: the edits that made New of Old
	rounds  [][]manifest.Edit // Run's: each round's edits, of the text before it
	written bool              // Run wrote New
}

// Plan groups the fixes of findings by file, in finding order, and applies
// each file's edits to its bytes, read with read. A fix is taken whole or
// not at all: one with an edit that overlaps an edit already taken waits
// for the next run. A fix that would change nothing is not taken: its
// finding goes to NoChange.
func Plan(findings []lint.Finding, read func(file string) ([]byte, error)) ([]*File, error) {
	var files []*File
	byName := map[string]*File{}
	taken := map[string][]manifest.Edit{}
	for _, f := range findings {
		if f.Fix == nil || len(f.Fix.Edits) == 0 {
			continue
		}
		name := f.Fix.Edits[0].File
		file := byName[name]
		if file == nil {
			data, err := read(name)
			if err != nil {
				return nil, err
			}
			file = &File{Name: name, Old: data}
			byName[name] = file
			files = append(files, file)
		}
		if err := check(file, f.Fix.Edits); err != nil {
			return nil, err
		}
		if selfOverlapping(f.Fix.Edits) {
			// Apply cannot make them: which would win is not defined
			return nil, selfOverlap{finding: f, where: fmt.Sprintf("%s:%d", f.File, f.Line)}
		}
		if changesNothing(file.Old, f.Fix.Edits) {
			file.NoChange = append(file.NoChange, f)
			continue
		}
		if !slices.ContainsFunc(f.Fix.Edits, func(e manifest.Edit) bool { return !slices.ContainsFunc(taken[name], same(e)) }) {
			file.Applied = append(file.Applied, f) // another finding's fix made the same edits
			continue
		}
		if slices.ContainsFunc(f.Fix.Edits, func(e manifest.Edit) bool { return overlapsAny(e, taken[name]) }) {
			file.Overlapping = append(file.Overlapping, f)
			continue
		}
		taken[name] = append(taken[name], f.Fix.Edits...)
		file.Applied = append(file.Applied, f)
	}
	for _, file := range files {
		file.edits = taken[file.Name]
		file.New = Apply(file.Old, file.edits)
	}
	return files, nil
}

// selfOverlap is the error of a fix whose own edits overlap, which cannot
// be applied by its own fault: ErrBrokenFix, said in full. where is the
// finding's place, which Run says on disk.
type selfOverlap struct {
	finding lint.Finding
	where   string
}

func (e selfOverlap) Error() string {
	return fmt.Sprintf("%s: %s's fix has edits that overlap each other, so it cannot be applied; this is a bug in meshbatch, please report it",
		e.where, e.finding.RuleID)
}

func (selfOverlap) Is(target error) bool { return target == ErrBrokenFix }

// selfOverlapping reports whether two of a fix's edits share a byte, or
// one inserts inside the other's range.
func selfOverlapping(edits []manifest.Edit) bool {
	sorted := slices.Clone(edits)
	slices.SortFunc(sorted, func(a, b manifest.Edit) int { return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End)) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Start < sorted[i-1].End {
			return true
		}
	}
	return false
}

// changesNothing reports whether edits, which check found to fit data,
// leave data as it is: each replaces text with the same text, or together
// they do (deleting a line and adding it back).
func changesNothing(data []byte, edits []manifest.Edit) bool {
	lo, hi := edits[0].Start, edits[0].End
	for _, e := range edits[1:] {
		lo, hi = min(lo, e.Start), max(hi, e.End)
	}
	local := make([]manifest.Edit, len(edits))
	for i, e := range edits {
		e.Start, e.End = e.Start-lo, e.End-lo
		local[i] = e
	}
	return bytes.Equal(Apply(data[lo:hi], local), data[lo:hi])
}

func same(e manifest.Edit) func(manifest.Edit) bool {
	return func(t manifest.Edit) bool { return t.Start == e.Start && t.End == e.End && t.New == e.New }
}

// check makes sure the edits fit the file as it is now.
func check(file *File, edits []manifest.Edit) error {
	for _, e := range edits {
		if e.File != file.Name {
			return fmt.Errorf("%s: a fix edits two files (%s too): not applied", file.Name, e.File)
		}
		if e.Start < 0 || e.End < e.Start || e.End > len(file.Old) ||
			!bytes.Equal(manifest.NormalizeLineBreaks(bytes.Clone(file.Old[e.Start:e.End])), []byte(e.Old)) ||
			(e.StartPos.Line > 0 && posOf(file.Old, e.Start) != e.StartPos) {
			return fmt.Errorf("%s changed since it was read: run fix again", file.Name)
		}
	}
	return nil
}

// overlapsAny reports whether e overlaps one of taken: their ranges share
// a byte, one inserts inside the other's range, or both insert at the
// same place (whose text would go first is not certain).
func overlapsAny(e manifest.Edit, taken []manifest.Edit) bool {
	for _, t := range taken {
		switch {
		case e.Start == e.End && t.Start == t.End:
			if e.Start == t.Start {
				return true
			}
		case e.Start == e.End:
			if t.Start < e.Start && e.Start < t.End {
				return true
			}
		case t.Start == t.End:
			if e.Start < t.Start && t.Start < e.End {
				return true
			}
		default:
			if e.Start < t.End && t.Start < e.End {
				return true
			}
		}
	}
	return false
}

// Apply returns data with edits made, which must not overlap; an
// insertion at the start of a replaced range goes before it.
func Apply(data []byte, edits []manifest.Edit) []byte {
	sorted := slices.Clone(edits)
	slices.SortStableFunc(sorted, func(a, b manifest.Edit) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End))
	})
	var out bytes.Buffer
	out.Grow(len(data))
	at := 0
	for _, e := range sorted {
		out.Write(data[at:e.Start])
		out.WriteString(e.New)
		at = e.End
	}
	out.Write(data[at:])
	return out.Bytes()
}

// ErrReadOnly is the error of a file fix may not write.
var ErrReadOnly = errors.New("the file is read-only")

// Write replaces file with data atomically: a temporary file in the same
// directory, with file's mode, renamed over it, so that a reader never
// sees half a file and a failed write leaves the old one whole. A file
// without write permission is left alone: fix must not write what its
// owner made read-only. A symbolic link is followed: its target is
// replaced, and the link stays a link.
func Write(file string, data []byte) error {
	target, err := filepath.EvalSymlinks(file)
	if err != nil {
		return err
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", file)
	}
	if info.Mode().Perm()&0o200 == 0 {
		return fmt.Errorf("%s: %w: make it writable (chmod u+w) to apply its fixes, or leave out --write to see them", file, ErrReadOnly)
	}
	if f, err := os.OpenFile(target, os.O_WRONLY, 0); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("%s: %w: make it writable to apply its fixes, or leave out --write to see them", file, ErrReadOnly)
		}
		return err
	} else {
		f.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".meshbatch-fix-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write next to it: %v", file, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %v", file, err)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %v", file, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %v", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	if err := os.Rename(name, target); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	ok = true
	return nil
}

// posOf is the line and column (in characters) of byte off of data. An
// insertion replaces no text to compare, so where it lands is checked by
// its position: a line added above it in the meantime moves it.
func posOf(data []byte, off int) manifest.Pos {
	before := data[:off]
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return manifest.Pos{Line: bytes.Count(before, []byte{'\n'}) + 1, Col: utf8.RuneCount(before[lineStart:]) + 1}
}

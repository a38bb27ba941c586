package fix

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

func finding(rule string, edits ...manifest.Edit) lint.Finding {
	return lint.Finding{RuleID: rule, Fix: &rules.Fix{Description: rule, Edits: edits}}
}

func edit(data string, start, end int, text string) manifest.Edit {
	return manifest.Edit{File: "f", Start: start, End: end, New: text, Old: data[start:end]}
}

func TestPlanOverlaps(t *testing.T) {
	data := "aaaa\nbbbb\ncccc\n"
	read := func(string) ([]byte, error) { return []byte(data), nil }
	fs := []lint.Finding{
		finding("A", edit(data, 0, 5, "")),                              // delete line 1
		finding("B", edit(data, 2, 3, "X")),                             // inside A's range
		finding("C", edit(data, 5, 5, "new\n"), edit(data, 10, 10, "")), // insertion where A ends: no overlap
		finding("D", edit(data, 5, 5, "other\n")),                       // the same insertion point as C
		finding("F", edit(data, 5, 5, "new\n")),                         // C's edit again: applied with it
		lint.Finding{RuleID: "E"},                                       // no fix
	}
	files, err := Plan(fs, read)
	if err != nil {
		t.Fatal(err)
	}
	f := files[0]
	var applied, left []string
	for _, x := range f.Applied {
		applied = append(applied, x.RuleID)
	}
	for _, x := range f.Overlapping {
		left = append(left, x.RuleID)
	}
	if strings.Join(applied, ",") != "A,C,F" || strings.Join(left, ",") != "B,D" {
		t.Errorf("applied %v, left %v; want A,C,F and B,D", applied, left)
	}
	if string(f.New) != "new\nbbbb\ncccc\n" {
		t.Errorf("new text %q", f.New)
	}
}

// TestPlanNoChange: a fix that leaves the file as it is, by one edit or
// by edits that undo each other, is not applied but named in NoChange,
// and takes no place from a fix that changes something.
func TestPlanNoChange(t *testing.T) {
	data := "aaaa\nbbbb\ncccc\n"
	fs := []lint.Finding{
		finding("SAME", edit(data, 0, 4, "aaaa")),                            // line 1 by itself
		finding("UNDO", edit(data, 5, 10, ""), edit(data, 10, 10, "bbbb\n")), // line 2 deleted, then inserted again
		finding("REAL", edit(data, 0, 4, "AAAA")),                            // where SAME's edit was
		finding("MOVE", edit(data, 5, 10, ""), edit(data, 15, 15, "bbbb\n")), // line 2 to the end: a change
		finding("SAME2", edit(data, 10, 14, "cccc"), edit(data, 14, 14, "")), // two edits, neither a change
	}
	files, err := Plan(fs, func(string) ([]byte, error) { return []byte(data), nil })
	if err != nil {
		t.Fatal(err)
	}
	f := files[0]
	var applied, noChange []string
	for _, x := range f.Applied {
		applied = append(applied, x.RuleID)
	}
	for _, x := range f.NoChange {
		noChange = append(noChange, x.RuleID)
	}
	if strings.Join(applied, ",") != "REAL,MOVE" || strings.Join(noChange, ",") != "SAME,UNDO,SAME2" || len(f.Overlapping) > 0 {
		t.Errorf("applied %v, no change %v, overlapping %v; want REAL,MOVE and SAME,UNDO,SAME2 and none", applied, noChange, f.Overlapping)
	}
	if string(f.New) != "AAAA\ncccc\nbbbb\n" {
		t.Errorf("new text %q", f.New)
	}
}

// TestPlanSelfOverlapping: a fix whose own edits overlap is a bug to
// report, not a panic or a garbled file.
func TestPlanSelfOverlapping(t *testing.T) {
	data := "aaaa\nbbbb\n"
	for _, edits := range [][]manifest.Edit{
		{edit(data, 0, 5, "x\n"), edit(data, 2, 7, "y")}, // ranges that share bytes
		{edit(data, 0, 5, ""), edit(data, 2, 2, "z")},    // an insertion inside a deleted range
	} {
		f := finding("MB999", edits...)
		f.File, f.Line = "f", 1
		files, err := Plan([]lint.Finding{f}, func(string) ([]byte, error) { return []byte(data), nil })
		if !errors.Is(err, ErrBrokenFix) || err.Error() != "f:1: MB999's fix has edits that overlap each other, so it cannot be applied; this is a bug in meshbatch, please report it" {
			t.Errorf("%v: files %v, err %v", edits, files, err)
		}
	}
	// two insertions at one place, and an insertion where a range ends, are no overlap
	f := finding("MB999", edit(data, 5, 5, "c\n"), edit(data, 5, 5, "d\n"), edit(data, 0, 5, ""))
	files, err := Plan([]lint.Finding{f}, func(string) ([]byte, error) { return []byte(data), nil })
	if err != nil || string(files[0].New) != "c\nd\nbbbb\n" {
		t.Errorf("err %v, new %q", err, files[0].New)
	}
}

func TestPlanStaleFile(t *testing.T) {
	data := "aaaa\n"
	fs := []lint.Finding{finding("A", edit(data, 0, 4, "b"))}
	if _, err := Plan(fs, func(string) ([]byte, error) { return []byte("zzzz\n"), nil }); err == nil || !strings.Contains(err.Error(), "changed since it was read") {
		t.Errorf("got %v, want a changed-file error", err)
	}
	if _, err := Plan(fs, func(string) ([]byte, error) { return []byte("a"), nil }); err == nil {
		t.Error("an edit past the end of the file was taken")
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(f, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Write(f, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(f)
	info, _ := os.Stat(f)
	if string(got) != "new\n" || info.Mode().Perm() != 0o640 {
		t.Errorf("got %q with mode %v", got, info.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}

	if err := os.Chmod(f, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := Write(f, []byte("newer\n")); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only file: got %v", err)
	}
	got, _ = os.ReadFile(f)
	if string(got) != "new\n" {
		t.Errorf("a read-only file was written: %q", got)
	}
}

// TestPlanInsertionMoved: an insertion replaces no text, so a line added
// above it since lint read the file is noticed by its position.
func TestPlanInsertionMoved(t *testing.T) {
	read := []byte("a: 1\nb: 2\n")
	edit := manifest.Edit{File: "f", Start: 5, End: 5, StartPos: manifest.Pos{Line: 2, Col: 1}, EndPos: manifest.Pos{Line: 2, Col: 1}, New: "c: 3\n"}
	f := lint.Finding{RuleID: "MB999", File: "f", Line: 2, Fix: &rules.Fix{Edits: []manifest.Edit{edit}}}
	if _, err := Plan([]lint.Finding{f}, func(string) ([]byte, error) { return read, nil }); err != nil {
		t.Fatalf("the file as read: %v", err)
	}
	moved := append([]byte("# new\n"), read...)
	if _, err := Plan([]lint.Finding{f}, func(string) ([]byte, error) { return moved, nil }); err == nil || !strings.Contains(err.Error(), "changed since it was read") {
		t.Errorf("a line added above the insertion: err = %v, want the file named as changed", err)
	}
}

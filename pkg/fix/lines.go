package fix

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// The findings of a later round are placed in the text the earlier
// rounds made, which is on disk only once written. Run's messages name
// the line of the file as it is on disk when fix ends: the text written,
// or, without Options.Write (and for a file not written), the text read,
// found by undoing the rounds' edits.

// place says where a message's finding is: file:line on disk, and a
// note when the finding is in text a fix adds, which is on disk nowhere
// (line is then where the fix adds it).
func (r *Report) place(file string, line, col int) (where, note string) {
	line, added := r.lineOnDisk(file, line, col)
	if added {
		note = fmt.Sprintf(" (in text a fix adds near line %d)", line)
	}
	return fmt.Sprintf("%s:%d", file, line), note
}

// lineOnDisk is the line of file on disk that line and col of the text
// after the rounds come from; added when they are in text a fix adds.
func (r *Report) lineOnDisk(file string, line, col int) (onDisk int, added bool) {
	f := r.changed[file]
	if f == nil || f.written || line <= 0 {
		return line, false
	}
	return f.lineRead(line, col)
}

// lineRead maps line and col (in characters, 0 for the line's start) of
// New to the line of Old they come from, undoing each round's edits from
// the last: added when they fall in text an edit inserts, line then
// being the line of Old where that edit is made.
func (f *File) lineRead(line, col int) (old int, added bool) {
	off := offsetOf(f.New, line, col)
	for i := len(f.rounds) - 1; i >= 0; i-- {
		var in bool
		off, in = undo(off, f.rounds[i])
		added = added || in
	}
	return bytes.Count(f.Old[:min(off, len(f.Old))], []byte{'\n'}) + 1, added
}

// undo maps offset off of the text after edits to the text before them:
// in is set when off falls in an edit's new text, and the offset is then
// the edit's start.
func undo(off int, edits []manifest.Edit) (before int, in bool) {
	sorted := slices.Clone(edits) // in the order Apply makes them
	slices.SortStableFunc(sorted, func(a, b manifest.Edit) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End))
	})
	delta := 0 // bytes the edits before off added
	for _, e := range sorted {
		start := e.Start + delta
		if off < start {
			break
		}
		if off < start+len(e.New) {
			return e.Start, true
		}
		delta += len(e.New) - (e.End - e.Start)
	}
	return off - delta, false
}

// offsetOf is the byte offset of line and col (in characters, from 1) in
// data, within the line.
func offsetOf(data []byte, line, col int) int {
	off := 0
	for ; line > 1; line-- {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return len(data)
		}
		off += i + 1
	}
	for ; col > 1 && off < len(data) && data[off] != '\n'; col-- {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}

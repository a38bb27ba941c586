package fix

import (
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// TestLineRead undoes two rounds: the first deletes line 2 and adds two
// lines before line 4, the second adds a line at the top.
func TestLineRead(t *testing.T) {
	old := []byte("a\nb\nc\nd\n")
	first := []manifest.Edit{{Start: 6, End: 6, New: "X\nY\n"}, {Start: 2, End: 4}}
	mid := Apply(old, first) // a c X Y d
	second := []manifest.Edit{{Start: 0, End: 0, New: "Z\n"}}
	f := &File{Old: old, New: Apply(mid, second), rounds: [][]manifest.Edit{first, second}}
	if string(f.New) != "Z\na\nc\nX\nY\nd\n" {
		t.Fatalf("new text %q", f.New)
	}
	for _, c := range []struct {
		line, col, want int
		added           bool
	}{
		{1, 1, 1, true}, {2, 1, 1, false}, {3, 0, 3, false}, {4, 1, 4, true}, {5, 2, 4, true}, {6, 1, 4, false},
	} {
		if got, added := f.lineRead(c.line, c.col); got != c.want || added != c.added {
			t.Errorf("line %d: %d, added %v; want %d, %v", c.line, got, added, c.want, c.added)
		}
	}
}

package fix

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiffAgainstPatch applies every diff Diff writes with patch(1) and
// checks the result is the new text, over random edits of a text.
func TestDiffAgainstPatch(t *testing.T) {
	if _, err := exec.LookPath("patch"); err != nil {
		t.Skip("patch(1) not installed")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a: 1\n", "b: 2\n", "  c: 3\n", "# note\n", "\n", "d: [x]\n"}
	gen := func(n int) []byte {
		var b bytes.Buffer
		for range n {
			b.WriteString(words[rng.IntN(len(words))])
		}
		return b.Bytes()
	}
	dir := t.TempDir()
	for i := range 200 {
		old := gen(rng.IntN(30))
		lines := splitLines(old)
		var nb bytes.Buffer
		for _, l := range lines {
			switch rng.IntN(8) {
			case 0: // drop
			case 1:
				nb.WriteString(words[rng.IntN(len(words))])
				nb.Write(l)
			default:
				nb.Write(l)
			}
		}
		if rng.IntN(4) == 0 {
			nb.WriteString("tail: no newline")
		}
		newb := nb.Bytes()
		var d bytes.Buffer
		if err := Diff(&d, "f.yaml", old, newb); err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(old, newb) {
			if d.Len() != 0 {
				t.Fatalf("case %d: diff of equal texts:\n%s", i, d.String())
			}
			continue
		}
		f := filepath.Join(dir, "f.yaml")
		if err := os.WriteFile(f, old, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("patch", "-s", "-p1", "-d", dir)
		cmd.Stdin = strings.NewReader(d.String())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("case %d: patch: %v\n%s\ndiff:\n%s", i, err, out, d.String())
		}
		got, _ := os.ReadFile(f)
		if !bytes.Equal(got, newb) {
			t.Fatalf("case %d: patched text differs\nold:\n%s\nnew:\n%s\ngot:\n%s\ndiff:\n%s", i, old, newb, got, d.String())
		}
	}
}

func TestDiffShape(t *testing.T) {
	old := []byte("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n")
	new := []byte("a\nb\nc\nd\nE\nf\ng\nh\ni\nj\n")
	var d bytes.Buffer
	if err := Diff(&d, "x.yaml", old, new); err != nil {
		t.Fatal(err)
	}
	want := "--- a/x.yaml\n+++ b/x.yaml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
	if d.String() != want {
		t.Errorf("got\n%s\nwant\n%s", d.String(), want)
	}
}

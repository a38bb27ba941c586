package render

import (
	"strings"
	"testing"
)

// FuzzLocate: any rendered document, line and source file give an answer
// inside the source or none, never a panic.
func FuzzLocate(f *testing.F) {
	f.Add(rendered, 12, 9, tmpl)
	f.Add("- a: 1\n- - b: 2\n", 2, 5, "- - b: {{ .x }}\n")
	f.Add("\"q\": x\n'\n", 2, 1, "'\n\"q\":\n")
	f.Fuzz(func(t *testing.T, out string, line, col int, src string) {
		l, c, ok := Locate(out, line, col, src)
		if !ok {
			return
		}
		lines := strings.Split(src, "\n")
		if l < 1 || l > len(lines) || c < 1 {
			t.Fatalf("Locate = %d:%d, outside the source's %d lines", l, c, len(lines))
		}
	})
}

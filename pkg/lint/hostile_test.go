package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// TestLineEndingsDoNotMovePositions: the same manifests with LF, CRLF and
// lone-CR line endings, with and without a BOM, give the same findings at
// the same lines, read from files (whose objects read their document back
// for positions) and from standard input.
func TestLineEndingsDoNotMovePositions(t *testing.T) {
	const manifests = "# jobs\n" + jobYAML + "---\n" + jobYAML + "broken: [\n---\n" + jobYAML
	facts := mesh.Facts{IstioVersion: mesh.Version{Major: 1, Minor: 22}, KubernetesVersion: mesh.Version{Major: 1, Minor: 28}}
	positions := func(t *testing.T, data string, stdin bool) string {
		t.Helper()
		opts := Options{Facts: facts}
		path := "-"
		if stdin {
			opts.Stdin = strings.NewReader(data)
		} else {
			path = filepath.Join(t.TempDir(), "m.yaml")
			if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		res, err := Run(context.Background(), []string{path}, opts)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for f := range res.Findings.All() {
			fmt.Fprintf(&b, "%d:%d %s %s\n", f.Line, f.Column, f.RuleID, f.FieldPath)
		}
		return b.String()
	}
	want := positions(t, manifests, false)
	if !strings.Contains(want, "MB001") || strings.Count(want, "MB101") != 2 {
		t.Fatalf("the reference run reports too little:\n%s", want)
	}
	for name, data := range map[string]string{
		"CRLF":     strings.ReplaceAll(manifests, "\n", "\r\n"),
		"CR":       strings.ReplaceAll(manifests, "\n", "\r"),
		"BOM+CR":   "\ufeff" + strings.ReplaceAll(manifests, "\n", "\r"),
		"BOM+CRLF": "\ufeff" + strings.ReplaceAll(manifests, "\n", "\r\n"),
	} {
		for _, stdin := range []bool{false, true} {
			if got := positions(t, data, stdin); got != want {
				t.Errorf("%s (stdin %v): findings differ from LF:\n got:\n%s\nwant:\n%s", name, stdin, got, want)
			}
		}
	}
}

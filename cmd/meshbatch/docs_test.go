package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDocsUpToDate regenerates docs/rules and docs/cli and compares them
// with the committed files, both ways: a changed rule or flag, a new rule
// without its page, and a stale page all fail. Fix with `make docs`.
func TestDocsUpToDate(t *testing.T) {
	files, err := renderDocs(newRootCmd(streams{}))
	if err != nil {
		t.Fatal(err)
	}
	docs := filepath.Join("..", "..", "docs")
	var committed []string
	for _, sub := range generatedDirs {
		m, _ := filepath.Glob(filepath.Join(docs, sub, "*.md"))
		for _, f := range m {
			committed = append(committed, sub+"/"+filepath.Base(f))
		}
	}
	var generated []string
	for name := range files {
		generated = append(generated, name)
	}
	sort.Strings(committed)
	sort.Strings(generated)
	if diff := cmp.Diff(generated, committed); diff != "" {
		t.Errorf("docs files differ from what `meshbatch docs` writes (-generated +committed); run `make docs`:\n%s", diff)
	}
	for _, name := range generated {
		want := string(files[name])
		got, err := os.ReadFile(filepath.Join(docs, filepath.FromSlash(name)))
		if err != nil {
			continue // reported above
		}
		if diff := cmp.Diff(strings.Split(want, "\n"), strings.Split(string(got), "\n")); diff != "" {
			t.Errorf("docs/%s is stale (-generated +committed); run `make docs`:\n%s", name, diff)
		}
	}
}

// TestDocsWriteRemovesStalePages: a page of a retired rule goes away.
func TestDocsWriteRemovesStalePages(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "rules", "MB998.md")
	keep := filepath.Join(dir, "rules", "notes.txt")
	for _, f := range []string{stale, keep} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := renderDocs(newRootCmd(streams{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeDocs(dir, files); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale page %s survived", stale)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a file that is not a generated page was removed: %v", err)
	}
	for _, name := range []string{"rules/README.md", "rules/MB101.md", "cli/meshbatch_lint.md", "cli/meshbatch_rules_explain.md"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("not written: %v", err)
		}
	}
}

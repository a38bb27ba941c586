package lint

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestEachFileReadOnce: a file reached twice, whatever the spelling, is
// read once, under the name it was first reached by, so its findings are
// not reported twice and the file count is right.
func TestEachFileReadOnce(t *testing.T) {
	dir := writeFiles(t, map[string]string{"d/a.yaml": jobYAML, "d/b.yaml": jobYAML + "---\n" + jobYAML})
	if err := os.Symlink("a.yaml", filepath.Join(dir, "link.yml")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := os.Rename(filepath.Join(dir, "link.yml"), filepath.Join(dir, "d", "link.yml")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, tc := range []struct {
		name  string
		paths []string
		files []string // as reported, in order
	}{
		{"one file twice", []string{"d/a.yaml", "d/a.yaml"}, []string{"d/a.yaml"}},
		{"two spellings", []string{"./d/a.yaml", "d/a.yaml", "d/../d/a.yaml"}, []string{"./d/a.yaml"}},
		{"absolute and relative", []string{filepath.Join(dir, "d", "a.yaml"), "d/a.yaml"}, []string{filepath.Join(dir, "d", "a.yaml")}},
		{"directory then a file in it", []string{"d", "d/b.yaml"}, []string{"d/a.yaml", "d/b.yaml"}},
		{"file then its directory", []string{"d/b.yaml", "d"}, []string{"d/b.yaml", "d/a.yaml"}},
		{"directory twice", []string{"d", "./d/"}, []string{"d/a.yaml", "d/b.yaml"}},
		{"symbolic link to a file", []string{"d/link.yml", "d/a.yaml"}, []string{"d/link.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), tc.paths, Options{Rules: []*rules.Rule{testRule}})
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			jobs := 0
			for _, f := range res.Files {
				files = append(files, f.File)
				jobs += len(f.Objects)
			}
			if diff := cmp.Diff(tc.files, files); diff != "" {
				t.Errorf("files read (-want +got):\n%s", diff)
			}
			if res.Stats.Files != len(tc.files) {
				t.Errorf("Stats.Files = %d, want %d", res.Stats.Files, len(tc.files))
			}
			if want := 3 * jobs; len(res.Findings) != want {
				t.Errorf("%d findings for %d Jobs, want %d", len(res.Findings), jobs, want)
			}
		})
	}
}

// TestNoticeForDirectoryWithoutFiles: a directory that yields no file to
// lint gets a notice; one with a file does not, nor does one whose only
// file was already read.
func TestNoticeForDirectoryWithoutFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{"empty/.git/x.yaml": jobYAML, "empty/notes.md": "x", "full/a.yaml": jobYAML})
	t.Chdir(dir)
	res, err := Run(context.Background(), []string{"full/a.yaml", "empty", "full"}, Options{Rules: []*rules.Rule{testRule}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"empty: no .yaml, .yml or .json files (hidden directories are skipped)"}
	if diff := cmp.Diff(want, res.Notices); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
	if len(res.InputErrors) != 0 {
		t.Errorf("input errors: %v", res.InputErrors)
	}
}

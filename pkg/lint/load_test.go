package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/manifest"
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
			res, err := Run(context.Background(), tc.paths, Options{Rules: []*rules.Rule{testRule}, ListObjects: true})
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
			if want := 3 * jobs; res.Findings.Len() != want {
				t.Errorf("%d findings for %d Jobs, want %d", res.Findings.Len(), jobs, want)
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

// TestNoFileOf2GiB: a file of 2 GiB or more is refused from its size
// whatever the limit asked for (an Object keeps a document's length in 32
// bits). The file is sparse: nothing of it is written or read.
func TestNoFileOf2GiB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(manifest.MaxFileBytes + 1); err != nil {
		t.Skip("no sparse files here:", err)
	}
	f.Close()
	// Over the default limit too, raising the limit is not the advice.
	for _, limit := range []int64{4 << 30, 0} {
		l, err := load(context.Background(), []string{path}, Options{Workers: 1, Limits: manifest.Limits{MaxFileBytes: limit}})
		if err != nil {
			t.Fatal(err)
		}
		want := path + ": 2 GiB; meshbatch reads files under 2 GiB only, so not read"
		if len(l.errors) != 1 || l.errors[0].Error() != want {
			t.Fatalf("limit %d: errors = %v, want [%s]", limit, l.errors, want)
		}
	}
}

// TestOverLimitHint: an input over the size limit names how to raise it
// only when the caller gave a hint (manifest.Limits.Hints), for a file
// refused from its size and for standard input, refused once read.
func TestOverLimitHint(t *testing.T) {
	path := filepath.Join(writeFiles(t, map[string]string{"a.yaml": jobYAML}), "a.yaml")
	for _, hints := range []map[manifest.Limit]string{nil, {manifest.LimitFileSize: "--size"}} {
		tail := ""
		if hints != nil {
			tail = "; raise it with --size if this is a real manifest"
		}
		opts := Options{Workers: 1, Stdin: strings.NewReader(jobYAML), Limits: manifest.Limits{MaxFileBytes: 10, Hints: hints}}
		l, err := load(context.Background(), []string{path, "-"}, opts)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range l.errors {
			got = append(got, e.Error())
		}
		want := []string{
			fmt.Sprintf("%s: %s, over the limit of 10 bytes, so not read%s", path, humanBytes(int64(len(jobYAML))), tail),
			StdinName + ": larger than the limit of 10 bytes, so not read" + tail,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("hints %v: errors (-want +got):\n%s", hints, diff)
		}
	}
}

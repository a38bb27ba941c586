package generate

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files (want.yaml, want.txt, docs/jobspec*)")

// goldenCases lists the directories of testdata/ that hold a spec.yaml,
// or of testdata/errors/ for the error cases (testdata/fuzz holds the
// fuzz corpora).
func goldenCases(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "errors" && e.Name() != "fuzz" {
			cases = append(cases, filepath.Join(dir, e.Name()))
		}
	}
	if len(cases) == 0 {
		t.Fatalf("no cases in %s", dir)
	}
	return cases
}

// generateCase renders a case's spec the way the CLI prints it, naming
// the spec "spec.yaml" so that headers do not depend on the checkout.
func generateCase(t *testing.T, dir string) (*Job, []Object, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	job, err := Load("spec.yaml", data)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	objs := Generate(job)
	out, err := Render(job.Source, objs)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return job, objs, out
}

// compareGolden compares got with the file byte for byte, or rewrites the
// file under -update.
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/generate -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-want +got; rewrite with -update):\n%s", path,
			cmp.Diff(strings.SplitAfter(string(want), "\n"), strings.SplitAfter(string(got), "\n")))
	}
}

func TestGolden(t *testing.T) {
	for _, dir := range goldenCases(t, "testdata") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, _, got := generateCase(t, dir)
			compareGolden(t, filepath.Join(dir, "want.yaml"), got)
		})
	}
}

// TestGoldenErrors checks the exact messages of bad specs, positions
// included.
func TestGoldenErrors(t *testing.T) {
	for _, dir := range goldenCases(t, filepath.Join("testdata", "errors")) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, "spec.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			job, err := Load("spec.yaml", data)
			var specErr *SpecError
			if !errors.As(err, &specErr) {
				t.Fatalf("Load gave job %v, error %v; want a *SpecError", job, err)
			}
			compareGolden(t, filepath.Join(dir, "want.txt"), []byte(err.Error()+"\n"))
		})
	}
}

// TestDeterministic renders every case many times in one process: map
// iteration order changes from run to run, so any dependence on it shows.
// (Run the package with -count=20 for the same over processes.)
func TestDeterministic(t *testing.T) {
	for _, dir := range goldenCases(t, "testdata") {
		_, _, first := generateCase(t, dir)
		for range 20 {
			if _, _, again := generateCase(t, dir); !bytes.Equal(first, again) {
				t.Fatalf("%s: two renders differ:\n%s", dir, cmp.Diff(string(first), string(again)))
			}
		}
	}
}

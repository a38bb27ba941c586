package lint_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/format"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// fuzzNow is the clock of the runs the fuzz test compares (see
// Options.Now).
var fuzzNow = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

// addSeedFiles adds the rule fixtures, the generated golden manifests and
// the examples to a fuzz corpus (the committed seeds are in testdata/fuzz).
func addSeedFiles(f *testing.F, globs ...string) {
	f.Helper()
	for _, glob := range globs {
		m, _ := filepath.Glob(glob)
		for _, file := range m {
			data, err := os.ReadFile(file)
			if err == nil && len(data) <= 32<<10 {
				f.Add(data)
			}
		}
	}
}

// fuzzFacts are the fact sets a fuzzed file is linted with: none known,
// an old mesh, a current one.
var fuzzFacts = []mesh.Facts{
	{},
	{IstioVersion: mesh.Version{Major: 1, Minor: 22}, KubernetesVersion: mesh.Version{Major: 1, Minor: 28}},
	{IstioVersion: mesh.Version{Major: 1, Minor: 28}, KubernetesVersion: mesh.Version{Major: 1, Minor: 31}},
}

// FuzzLintFile lints one arbitrary file read from standard input, with
// every rule, and renders the result in every format. Properties: no
// panic, no input error (the bytes were readable), every finding points
// inside the file, every format renders and the machine-readable ones are
// well-formed, and the result does not depend on the number of workers.
// The fact set (none known, an old mesh, a current one) is picked by the
// input's length, so that each run lints once.
func FuzzLintFile(f *testing.F) {
	addSeedFiles(f, "../rules/checks/testdata/*/*.yaml", "../generate/testdata/*/want.yaml", "../../examples/*.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		lines := bytes.Count(manifest.NormalizeLineBreaks(bytes.Clone(data)), []byte("\n")) + 1 // a lone CR is a line break
		facts := fuzzFacts[len(data)%len(fuzzFacts)]
		res, err := lint.Run(context.Background(), []string{"-"}, lint.Options{Facts: facts, Stdin: bytes.NewReader(data), Workers: 1, ListObjects: true, Now: fuzzNow})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if len(res.InputErrors) > 0 {
			t.Fatalf("input errors for readable bytes: %v", res.InputErrors)
		}
		for _, fd := range slices.Concat(slices.Collect(res.Findings.All()), slices.Collect(res.Suppressed.All())) {
			if fd.File != lint.StdinName || fd.RuleID == "" || fd.Message == "" {
				t.Fatalf("finding without file, rule or message: %+v", fd)
			}
			if fd.Line < 1 || fd.Line > lines || fd.Column < 1 {
				t.Fatalf("finding at %d:%d outside the %d-line input: %+v", fd.Line, fd.Column, lines, fd)
			}
		}
		checkFormats(t, res)
		again, err := lint.Run(context.Background(), []string{"-"}, lint.Options{Facts: facts, Stdin: bytes.NewReader(data), Workers: 3, ListObjects: true, Now: fuzzNow})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := render(t, "json", res), render(t, "json", again); !bytes.Equal(a, b) {
			t.Fatalf("results differ with 1 and 3 workers:\n%s\n%s", a, b)
		}
	})
}

func render(t *testing.T, name string, res *lint.Result) []byte {
	t.Helper()
	fm, err := format.New(name, format.Options{Version: "fuzz", FailOn: rules.Error})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := fm.Format(&b, res); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b.Bytes()
}

// checkFormats renders every format and checks that JSON and SARIF are
// JSON and JUnit is XML.
func checkFormats(t *testing.T, res *lint.Result) {
	t.Helper()
	for _, name := range format.Names() {
		out := render(t, name, res)
		switch name {
		case "json", "sarif":
			if !json.Valid(out) {
				t.Fatalf("%s output is not JSON:\n%s", name, out)
			}
		case "junit":
			dec := xml.NewDecoder(bytes.NewReader(out))
			for {
				_, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("junit output is not XML (%v):\n%s", err, out)
				}
			}
		case "github":
			lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			for _, l := range lines[:len(lines)-1] { // the last line is the summary
				if l != "" && !strings.HasPrefix(l, "::") {
					t.Fatalf("github output line is not a workflow command: %q", l)
				}
			}
		}
	}
}

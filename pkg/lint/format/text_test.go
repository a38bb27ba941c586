package format

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// textSources are the files testResult's findings point at, written
// into a temporary working directory. deploy/broken.yaml is left out: it
// stands for a file that vanished between the run and the report.
var textSources = map[string]string{
	"deploy/my jobs/etl.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: etl
  namespace: batch
spec:
  template:
    metadata:
      labels:
        app: etl
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: etl:1.0
`,
	"deploy/nightly.yaml": "# nightly export\r\napiVersion: batch/v1\r\nkind: CronJob\r\nmetadata:\r\n  name: nightly\r\n  namespace: batch\r\nspec:\r\n  jobTemplate:\r\n      annotations:\r\n        team: data\r\n        owner: \"ops\"\r\n        note:\tx\r\n",
	// Standard input is never read back, even when a file has its name.
	lint.StdinName: "apiVersion: batch/v1\nkind: Job\n",
}

func writeSources(t *testing.T) {
	t.Helper()
	t.Chdir(t.TempDir())
	for name, data := range textSources {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// stdinResult is a finding on standard input, with a long message and a
// long remediation to wrap.
func stdinResult() *lint.Result {
	return &lint.Result{
		Findings: lint.FindingsOf(lint.Finding{RuleID: "MB101", Slug: "job-sidecar-never-exits", Severity: rules.Error,
			Message: "Job batch/etl keeps its istio-proxy sidecar running after the app exits, so the pod stays Running and the Job never completes; " +
				"the sidecar is injected because namespace batch has istio-injection=enabled",
			Remediation: "Make the proxy a native sidecar: annotate the pod template with sidecar.istio.io/nativeSidecar: \"true\" (Kubernetes 1.29 or later), or have the app call /quitquitquit on 127.0.0.1:15020 when it is done.",
			File:        lint.StdinName, Line: 2, Column: 1,
			Object: lint.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "batch", Name: "etl"}}),
		Stats: lint.Stats{Files: 1, Objects: 1},
	}
}

// TestTextGolden compares the text format with testdata/golden.text*.txt:
// source lines with carets (a CRLF file, a tab before the field), a
// vanished file without one, related objects, colour, a narrow terminal,
// and standard input.
func TestTextGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		opts Options
		res  *lint.Result
	}{
		{"golden.text.txt", Options{}, testResult()},
		{"golden.text-color.txt", Options{Color: true}, testResult()},
		{"golden.text-narrow.txt", Options{Width: 40}, testResult()},
		{"golden.text-stdin.txt", Options{Width: 80}, stdinResult()},
	} {
		t.Run(tc.file, func(t *testing.T) {
			wd, err := os.Getwd()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(wd, "testdata", tc.file)
			writeSources(t)
			f, err := New("text", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := f.Format(&buf, tc.res); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
				t.Errorf("text output differs from %s (-want +got; rerun with -update and read the diff):\n%s", path, diff)
			}
		})
	}
}

// TestTextWithoutSources: with none of the files on disk the report is
// the same findings without source lines, and the concise report is
// unaffected by the change of default.
func TestTextWithoutSources(t *testing.T) {
	t.Chdir(t.TempDir())
	out := string(render(t, "text", Options{}))
	if strings.Contains(out, " | ") {
		t.Errorf("a source line was shown for a file that does not exist:\n%s", out)
	}
	for _, want := range []string{
		"deploy/my jobs/etl.yaml:14:11: error MB101 job-sidecar-never-exits\n  Job batch/etl",
		"  = see Sidecar batch/default at mesh/sidecar.yaml:4\n  = fix: Set proxy resources.\n\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

// TestTextSkipsPipes: a finding in a named pipe (bash's <(helm template
// ...)) must not make the report read it again, which would block.
func TestTextSkipsPipes(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "rendered.yaml")
	if err := mkfifo(pipe); err != nil {
		t.Skip(err)
	}
	if data, ok := readRegular(pipe); ok || data != nil {
		t.Errorf("readRegular(fifo) = %q, %v; want nothing", data, ok)
	}
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct {
		line         string
		col, width   int
		shown, caret string
		ok           bool
	}{
		{"        - name: etl", 11, 80, "        - name: etl", "          ^^^^", true},
		{"\t- name: etl", 4, 80, "\t- name: etl", "\t  ^^^^", true},
		{"kind: Job", 1, 80, "kind: Job", "^^^^", true},
		{"", 1, 80, "", "^", true},
		{"---", 1, 80, "---", "^^^", true},
		{"key: v", 0, 80, "key: …", "^^^", true},
		{"  annotations:  # a note", 3, 80, "  annotations:", "  ^^^^^^^^^^^", true},
		// Values are hidden, but for plain names and kinds; a column in
		// a value points at the ellipsis.
		{"  image: \"x:1\"", 10, 80, "  image: …", "         ^", true},
		{"  password: *Pl4nted", 13, 80, "  password: …", "            ^", true},
		{"  name: \"quoted\"", 3, 80, "  name: …", "  ^^^^", true},
		{"  - {name: API_TOKEN, value: Pl4nted}", 11, 80, "  - {name: …", "           ^", true},
		{"  - --token=Pl4nted", 5, 80, "  - …", "    ^", true},
		{"stringData: {password: [Pl4nted}", 1, 80, "stringData: …", "^^^^^^^^^^", true},
		// The file changed: the column is past the end of the line.
		{"short", 9, 80, "", "", false},
		// A long line is cut to the width around the column.
		{"name: " + strings.Repeat("b", 60), 1, 40, "name: " + strings.Repeat("b", 33) + "…", "^^^^", true},
		{"name: " + strings.Repeat("b", 60), 50, 40, "…" + strings.Repeat("b", 37), strings.Repeat(" ", 21) + strings.Repeat("^", 17), true},
		// Control characters are shown escaped, and the caret follows.
		{"\x1b[2Jk: v", 5, 80, `\x1b[2Jk: …`, "       ^", true},
	} {
		shown, caret, ok := excerpt(tc.line, tc.col, tc.width)
		if shown != tc.shown || caret != tc.caret || ok != tc.ok {
			t.Errorf("excerpt(%q, %d, %d) = %q, %q, %v; want %q, %q, %v", tc.line, tc.col, tc.width, shown, caret, ok, tc.shown, tc.caret, tc.ok)
		}
	}
}

func TestWrap(t *testing.T) {
	long := "a " + strings.Repeat("x", 45) + " b"
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"", 40, []string{""}},
		{"one two", 40, []string{"one two"}},
		{"the quick brown fox jumps over the lazy dog again and again", 30,
			[]string{"the quick brown fox jumps over", "the lazy dog again and again"}},
		// A word longer than the width has a line of its own.
		{long, 30, []string{"a", strings.Repeat("x", 45), "b"}},
		// Narrower than minProse wraps at minProse.
		{"the quick brown fox jumps over the lazy dog", 5, []string{"the quick brown fox jumps over", "the lazy dog"}},
	} {
		if got := wrap(tc.in, tc.width); !cmp.Equal(got, tc.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

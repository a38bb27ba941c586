package baseline

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.baseline.json")

var (
	etl     = lint.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "batch", Name: "etl"}
	nightly = lint.ObjectRef{APIVersion: "batch/v1", Kind: "CronJob", Namespace: "batch", Name: "nightly"}
)

func finding(rule string, obj lint.ObjectRef, file string, line int, path, msg string) lint.Finding {
	return lint.Finding{RuleID: rule, Severity: rules.Error, Object: obj, File: file, Line: line, Column: 3, FieldPath: path, Message: msg}
}

// testFindings has a finding without an object, two findings that are the
// same but for their file and line, and a field path with characters JSON
// escapes.
func testFindings() []lint.Finding {
	return []lint.Finding{
		finding("MB101", etl, "deploy/etl.yaml", 14, "spec.template.spec", "Job batch/etl keeps its sidecar"),
		finding("MB301", nightly, "deploy/nightly.yaml", 9, `spec.jobTemplate.spec.template.metadata.annotations["sidecar.istio.io/proxyMemory"]`, "no proxy memory limit"),
		finding("MB001", lint.ObjectRef{}, "deploy/broken.yaml", 3, "", "mapping values are not allowed in this context"),
		finding("MB001", lint.ObjectRef{}, "<stdin>", 1, "", "standard input holds no YAML document"),
		finding("MB205", etl, "deploy/etl.yaml", 20, "spec.template.metadata", "deprecated <annotation> & label"),
		finding("MB205", etl, "overlays/prod/etl.yaml", 4, "spec.template.metadata", "deprecated <annotation> & label"),
	}
}

// TestGoldenFile: the file is sorted, one entry per line, "count" only
// where a key repeats, no line numbers, and reads back as written.
func TestGoldenFile(t *testing.T) {
	b := FromFindings(testFindings())
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden.baseline.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(buf.String(), "\n")); diff != "" {
		t.Errorf("baseline differs from %s (-want +got; rerun with -update and read the diff):\n%s", path, diff)
	}
	back, err := Parse(path, want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b, back); diff != "" {
		t.Errorf("read back (-written +read):\n%s", diff)
	}
	if b.Findings() != 6 || len(b.Entries) != 5 {
		t.Errorf("%d findings in %d entries, want 6 in 5", b.Findings(), len(b.Entries))
	}
	// The same findings in another order write the same bytes.
	fs := testFindings()
	for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
		fs[i], fs[j] = fs[j], fs[i]
	}
	var again bytes.Buffer
	if err := FromFindings(fs).Write(&again); err != nil {
		t.Fatal(err)
	}
	if again.String() != buf.String() {
		t.Errorf("the order of the findings changed the file:\n%s", again.String())
	}
}

func TestEmptyBaseline(t *testing.T) {
	var buf bytes.Buffer
	if err := FromFindings(nil).Write(&buf); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"schemaVersion\": 1,\n  \"findings\": []\n}\n"; buf.String() != want {
		t.Errorf("empty baseline:\n%s\nwant\n%s", buf.String(), want)
	}
	b, err := Parse("b.json", buf.Bytes())
	if err != nil || len(b.Entries) != 0 {
		t.Errorf("Parse = %+v, %v", b, err)
	}
}

// TestMessageFingerprint: white space and line numbers do not count, the
// words do.
func TestMessageFingerprint(t *testing.T) {
	a := MessageFingerprint(`duplicate key "name" (first at line 12)`)
	if b := MessageFingerprint("duplicate  key \"name\"\n (first at line 40)"); a != b {
		t.Errorf("white space or a line number changed the fingerprint: %s, %s", a, b)
	}
	if b := MessageFingerprint(`duplicate key "image" (first at line 12)`); a == b {
		t.Error("another key gave the same fingerprint")
	}
	if !isFingerprint(a) {
		t.Errorf("%q is not 32 hex digits", a)
	}
}

// TestParseErrors: every mistake names file:line:col and what to do.
func TestParseErrors(t *testing.T) {
	const msg = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct{ data, want string }{
		{"", `b.json: the file is empty (meshbatch lint --write-baseline b.json PATH... writes a baseline)`},
		{"[]", `b.json:1:1: the baseline: want "{", found [`},
		{"{\n  \"schemaVersion\": 1,\n  \"findings\": [\n    {\"rule\": \"MB101\",}\n  ]\n}", `b.json:4:22: not valid JSON: invalid character '}' looking for beginning of object key string`},
		{`{"schemaVersion": 2, "findings": []}`, `b.json:1:19: schemaVersion 2: this meshbatch reads baselines of schemaVersion 1 (is the file from a newer meshbatch?)`},
		{`{"findings": []}`, `b.json: no schemaVersion: is this a meshbatch baseline? (meshbatch lint --write-baseline writes one)`},
		{`{"schemaVersion": 1}`, `b.json: no findings list: is this a meshbatch baseline? (meshbatch lint --write-baseline writes one)`},
		{`{"schemaVersion": 1, "entries": []}`, `b.json:1:22: unknown key entries; a baseline has schemaVersion and findings`},
		{"{\"schemaVersion\": 1, \"findings\": [\n{\"rule\": \"MB101\", \"kind\": \"Job\", \"message\": \"" + msg + "\", \"line\": 3}]}", `b.json:2:1: findings[0]: unknown key "line"; an entry has rule, kind, namespace, name, file, fieldPath, message and count`},
		{"{\"schemaVersion\": 1, \"findings\": [\n{\"rule\": \"MB101\", \"kind\": \"Job\", \"message\": \"" + msg + "\"},\n {\"rule\": \"MB101\", \"kind\": \"Job\", \"message\": \"Job batch/etl keeps its sidecar\"}]}",
			`b.json:3:2: findings[1]: message "Job batch/etl keeps its sidecar" is not a message fingerprint (32 hex digits, as --write-baseline writes it)`},
		{`{"schemaVersion": 1, "findings": [{"kind": "Job", "message": "` + msg + `"}]}`, `b.json:1:35: findings[0]: no rule`},
		{`{"schemaVersion": 1, "findings": [{"rule": "MB001", "message": "` + msg + `"}]}`, `b.json:1:35: findings[0]: neither an object (kind, namespace, name) nor a file`},
		{`{"schemaVersion": 1, "findings": [{"rule": "MB101", "kind": "Job", "message": "` + msg + `", "count": -1}]}`, `b.json:1:35: findings[0]: count -1: a count is 1 or more`},
		{`{"schemaVersion": 1, "findings": [{"rule": "MB101", "kind": "Job", "message": "` + msg + `", "count": "2"}]}`, `b.json:1:35: findings[0]: count is string, want int`},
		{`{"schemaVersion": "1", "findings": []}`, `b.json:1:19: schemaVersion is string, want int`},
		{`{"schemaVersion": 1, "findings": [`, `b.json:1:35: the file ends in the middle of the JSON (was it cut short?)`},
		{`{"schemaVersion": 1, "findings": []} {}`, `b.json:1:38: not valid JSON: invalid character '{' after top-level value`},
	} {
		_, err := Parse("b.json", []byte(tc.data))
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q)\n got %v\nwant %s", tc.data, err, tc.want)
		}
	}
}

// TestDuplicateEntriesAddUp: two entries for one finding (two branches
// that each recorded it, merged) read as one with both counts.
func TestDuplicateEntriesAddUp(t *testing.T) {
	e := EntryOf(&[]lint.Finding{finding("MB101", etl, "a.yaml", 1, "spec", "m")}[0])
	var buf bytes.Buffer
	if err := (&Baseline{Entries: []Entry{e, e}}).Write(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := Parse("b.json", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Entries) != 1 || b.Entries[0].Count != 2 {
		t.Errorf("entries %+v, want one with count 2", b.Entries)
	}
}

func TestReadMissingFile(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "none.json"))
	if err == nil || !os.IsNotExist(err) && !strings.Contains(err.Error(), "no such file") {
		t.Errorf("Read of a missing file: %v", err)
	}
}

// TestDocumentedFile: the example in docs/baseline.md is a file meshbatch
// reads, and writes back byte for byte.
func TestDocumentedFile(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "baseline.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "```json\n")
	example, _, ok2 := strings.Cut(after, "```")
	if !ok || !ok2 {
		t.Fatal("docs/baseline.md has no ```json example")
	}
	b, err := Parse("docs/baseline.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != example {
		t.Errorf("the documented example is not what meshbatch writes:\n%s", buf.String())
	}
}

package format

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.*")

// testRules is a fixed catalogue, so goldens do not change when rules are
// added to pkg/rules.
var testRules = []*rules.Rule{
	{ID: "MB001", Slug: "invalid-input", Severity: rules.Error, Summary: "A document is not valid YAML",
		Rationale: "Broken input never reaches the cluster.", Remediation: "Fix the YAML.", Kinds: []string{"*"}},
	{ID: "MB101", Slug: "job-sidecar-never-exits", Severity: rules.Error, Summary: "Injected Job keeps its sidecar running",
		Rationale: "A classic sidecar keeps the pod Running after the app exits.", Remediation: "Use a native sidecar.", Kinds: []string{"Job", "CronJob"}},
	{ID: "MB301", Slug: "proxy-resources", Severity: rules.Warning, Summary: "Proxy resources for batch",
		Rationale: "Defaults are sized for services.", Remediation: "Set proxy resources.", Kinds: []string{"Job"}},
}

// testResult has one finding of each severity, a finding with characters
// every format must escape, one with a related object, a parse error without an object, suppressed
// findings of each origin, an input error and partial-mode counts.
func testResult() *lint.Result {
	job := lint.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "batch", Name: "etl"}
	cron := lint.ObjectRef{APIVersion: "batch/v1", Kind: "CronJob", Namespace: "batch", Name: "nightly"}
	return &lint.Result{
		Findings: lint.FindingsOf(
			lint.Finding{RuleID: "MB001", Slug: "invalid-input", Severity: rules.Error, Message: "mapping values are not allowed in this context",
				Remediation: "Fix the YAML.", URL: rules.DocsBase + "MB001.md", File: "deploy/broken.yaml", Line: 3, Column: 1},
			lint.Finding{RuleID: "MB101", Slug: "job-sidecar-never-exits", Severity: rules.Error,
				Message:     "Job batch/etl keeps its istio-proxy sidecar: 100% <stuck> & \"never\" ends, a:b",
				Remediation: "Use a native sidecar.", URL: rules.DocsBase + "MB101.md",
				File: "deploy/my jobs/etl.yaml", Line: 14, Column: 11, FieldPath: "spec.template.spec.containers[0]", Object: job},
			lint.Finding{RuleID: "MB301", Slug: "proxy-resources", Severity: rules.Warning, Message: "CronJob batch/nightly sets no proxy memory limit",
				Remediation: "Set proxy resources.", URL: rules.DocsBase + "MB301.md",
				File: "deploy/nightly.yaml", Line: 9, Column: 7, FieldPath: "spec.jobTemplate.spec.template.metadata.annotations", Object: cron,
				Related: []lint.RelatedObject{{File: "mesh/sidecar.yaml", Line: 4,
					Object: lint.ObjectRef{APIVersion: "networking.istio.io/v1", Kind: "Sidecar", Namespace: "batch", Name: "default"}}}},
			lint.Finding{RuleID: "MB301", Slug: "proxy-resources", Severity: rules.Info, Message: "CronJob batch/nightly: an info note",
				Remediation: "Set proxy resources.", URL: rules.DocsBase + "MB301.md",
				File: "deploy/nightly.yaml", Line: 12, Column: 9, Object: cron},
		),
		Suppressed: lint.FindingsOf(
			lint.Finding{RuleID: "MB101", Slug: "job-sidecar-never-exits", Severity: rules.Error, Message: "Job legacy/old keeps its sidecar",
				Remediation: "Use a native sidecar.", URL: rules.DocsBase + "MB101.md", File: "vendor/old.yaml", Line: 5, Column: 3,
				Object:     lint.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "legacy", Name: "old"},
				Suppressed: ".meshbatch.yaml:4", SuppressedBy: lint.SuppressedByConfig, SuppressReason: "retired in Q1"},
			lint.Finding{RuleID: "MB301", Slug: "proxy-resources", Severity: rules.Warning, Message: "Job batch/etl sets no proxy memory limit",
				Remediation: "Set proxy resources.", URL: rules.DocsBase + "MB301.md", File: "deploy/my jobs/etl.yaml", Line: 8, Column: 7,
				Object: job, Suppressed: "annotation meshbatch.dev/ignore on Job batch/etl", SuppressedBy: lint.SuppressedByAnnotation},
		),
		Stats: lint.Stats{Files: 4, Objects: 3, Skipped: 1, Silenced: 2, SilencedByRule: map[string]int{"MB101": 2}},
		Files: []lint.FileObjects{
			{File: "deploy/broken.yaml"},
			{File: "deploy/my jobs/etl.yaml", Objects: []lint.ObjectRef{job, {APIVersion: "v1", Kind: "ServiceAccount", Namespace: "batch", Name: "etl"}}},
			{File: "deploy/nightly.yaml", Objects: []lint.ObjectRef{cron}},
			{File: "vendor/old.yaml", Objects: []lint.ObjectRef{{APIVersion: "batch/v1", Kind: "Job", Namespace: "legacy", Name: "old"}}},
		},
		InputErrors: []error{errors.New("missing.yaml: no such file or directory")},
		Notices:     []string{"charts/: no .yaml, .yml or .json files (hidden directories are skipped)"},
	}
}

func render(t *testing.T, name string, opts Options) []byte {
	t.Helper()
	opts.Rules = testRules
	opts.Version = "1.2.3"
	f, err := New(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Format(&buf, testResult()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGolden compares every format's full output with testdata/golden.*.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		format, file string
	}{
		{"concise", "golden.concise.txt"},
		{"json", "golden.json"},
		{"sarif", "golden.sarif"},
		{"github", "golden.github.txt"},
		{"junit", "golden.junit.xml"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			got := render(t, tc.format, Options{FailOn: rules.Warning})
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
				t.Errorf("%s output differs from %s (-want +got; rerun with -update and read the diff):\n%s", tc.format, path, diff)
			}
		})
	}
}

func compileSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///" + filepath.Base(path)
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return s.Validate(inst)
}

// TestSARIFSchema validates the SARIF output against the official SARIF
// 2.1.0 schema (testdata/sarif-schema-2.1.0.json, see testdata/README.md),
// with formats such as uri-reference asserted, for a result with every
// kind of finding and for an empty one.
func TestSARIFSchema(t *testing.T) {
	s := compileSchema(t, filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err := validate(t, s, render(t, "sarif", Options{})); err != nil {
		t.Errorf("SARIF output is not valid SARIF 2.1.0:\n%v", err)
	}
	var empty bytes.Buffer
	if err := (&SARIF{Version: "dev", Rules: checks.All()}).Format(&empty, &lint.Result{}); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, s, empty.Bytes()); err != nil {
		t.Errorf("SARIF output of an empty result is not valid SARIF 2.1.0:\n%v", err)
	}
	// The schema check has teeth: kube-score's invalid SARIF (#559) had
	// a driver without a name.
	bad := bytes.Replace(empty.Bytes(), []byte(`"name": "meshbatch",`), nil, 1)
	if err := validate(t, s, bad); err == nil {
		t.Error("a SARIF log whose driver has no name passed the schema check")
	}
}

// TestSARIFGitHubRequirements checks what GitHub code scanning needs
// beyond the schema.
func TestSARIFGitHubRequirements(t *testing.T) {
	out := string(render(t, "sarif", Options{}))
	for _, want := range []string{
		`"informationUri": "https://github.com/meshbatch/meshbatch"`,
		`"helpUri": "https://github.com/meshbatch/meshbatch/blob/main/docs/rules/MB101.md"`,
		`"uri": "deploy/my%20jobs/etl.yaml"`,
		`"startLine": 14`,
		`"startColumn": 11`,
		`"level": "note"`,
		`"kind": "inSource"`,
		`"kind": "external"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("SARIF output lacks %s", want)
		}
	}
}

// TestJSONSchema validates the JSON report against the published schema.
func TestJSONSchema(t *testing.T) {
	s := compileSchema(t, filepath.Join("..", "..", "..", "docs", "schemas", "lint-report.v1.schema.json"))
	if err := validate(t, s, render(t, "json", Options{FailOn: rules.Error})); err != nil {
		t.Errorf("JSON output does not match docs/schemas/lint-report.v1.schema.json:\n%v", err)
	}
	var empty bytes.Buffer
	if err := (&JSON{Version: "dev"}).Format(&empty, &lint.Result{}); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, s, empty.Bytes()); err != nil {
		t.Errorf("JSON output of an empty result does not match the schema:\n%v", err)
	}
}

// TestRenderedGoldensMatchSchema: the JSON reports of rendered charts and
// overlays (pkg/lint's goldens, the rendered field with its environment)
// match the published schema.
func TestRenderedGoldensMatchSchema(t *testing.T) {
	s := compileSchema(t, filepath.Join("..", "..", "..", "docs", "schemas", "lint-report.v1.schema.json"))
	files, err := filepath.Glob(filepath.Join("..", "testdata", "render", "golden", "*.json"))
	if err != nil || len(files) < 2 {
		t.Fatalf("goldens %v, %v: want the overlays' and the environments' JSON reports", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, s, data); err != nil {
			t.Errorf("%s does not match docs/schemas/lint-report.v1.schema.json:\n%v", f, err)
		}
	}
}

func TestSARIFURI(t *testing.T) {
	wd, _ := os.Getwd()
	for in, want := range map[string]string{
		"deploy/job.yaml":                 "deploy/job.yaml",
		"./deploy/job.yaml":               "deploy/job.yaml",
		"deploy/my jobs/a#b.yaml":         "deploy/my%20jobs/a%23b.yaml",
		"a:b.yaml":                        "a%3Ab.yaml",
		lint.StdinName:                    "%3Cstdin%3E",
		filepath.Join(wd, "x", "j.yaml"):  "x/j.yaml",
		"/elsewhere/job.yaml":             "file:///elsewhere/job.yaml",
		filepath.Join(wd, "..", "j.yaml"): "file://" + filepath.ToSlash(filepath.Join(filepath.Dir(wd), "j.yaml")),
	} {
		if got := sarifURI(in); got != want {
			t.Errorf("sarifURI(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestJUnitFollowsFailOn: the report fails exactly the test cases whose
// findings would fail the run.
func TestJUnitFollowsFailOn(t *testing.T) {
	for failOn, want := range map[rules.Severity]string{
		rules.Error:   `<testsuites name="meshbatch" tests="5" failures="2" errors="0">`,
		rules.Warning: `<testsuites name="meshbatch" tests="5" failures="3" errors="0">`,
		0:             `<testsuites name="meshbatch" tests="5" failures="0" errors="0">`,
	} {
		if out := string(render(t, "junit", Options{FailOn: failOn})); !strings.Contains(out, want) {
			t.Errorf("fail-on %v: want %s in\n%s", failOn, want, out)
		}
	}
}

// TestJUnitNeedsTheObjects: a result whose objects were not listed
// (lint.Options.ListObjects) would make a JUnit report without its
// passing objects; the format refuses it.
func TestJUnitNeedsTheObjects(t *testing.T) {
	f, err := New("junit", Options{Rules: testRules})
	if err != nil {
		t.Fatal(err)
	}
	res := testResult()
	res.Files = nil
	if err := f.Format(io.Discard, res); err == nil || !strings.Contains(err.Error(), "ListObjects") {
		t.Fatalf("Format = %v, want an error naming ListObjects", err)
	}
}

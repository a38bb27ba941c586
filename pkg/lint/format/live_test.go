package format

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// liveResult is a lint --cluster result: findings on objects of cluster
// prod-eu (no file, no line), one with a related live object, one with a
// related file, and one on a file linted with the cluster.
func liveResult() *lint.Result {
	job := lint.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "batch", Name: "etl"}
	pod := lint.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: "batch", Name: "etl-x7k2p"}
	ns := lint.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "batch"}
	return &lint.Result{
		Findings: lint.FindingsOf(
			lint.Finding{RuleID: "MB101", Slug: "job-sidecar-never-exits", Severity: rules.Error, Message: "Job batch/etl keeps its sidecar",
				Remediation: "Use a native sidecar.", URL: rules.DocsBase + "MB101.md", File: "deploy/etl.yaml", Line: 14, Column: 11,
				FieldPath: "spec.template.spec.containers[0]", Object: job},
			lint.Finding{RuleID: "MB101", Slug: "job-sidecar-never-exits", Severity: rules.Error, Message: "Job batch/etl keeps its sidecar",
				Remediation: "Use a native sidecar.", URL: rules.DocsBase + "MB101.md", FieldPath: "spec.template.spec.containers[0]",
				Object: job, Context: "prod-eu",
				Related: []lint.RelatedObject{{Object: ns, Context: "prod-eu"}, {File: "mesh/pa.yaml", Line: 3,
					Object: lint.ObjectRef{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication", Namespace: "istio-system", Name: "default"}}}},
			lint.Finding{RuleID: "MB301", Slug: "proxy-resources", Severity: rules.Warning, Message: "Pod batch/etl-x7k2p: its app exited, its proxy runs",
				Remediation: "Set proxy resources.", URL: rules.DocsBase + "MB301.md", FieldPath: "status", Object: pod, Context: "prod-eu"},
			lint.Finding{RuleID: "MB001", Slug: "invalid-input", Severity: rules.Info, Message: "Namespace batch: unknown field",
				Remediation: "Fix the YAML.", URL: rules.DocsBase + "MB001.md", Object: ns, Context: "prod-eu"},
		),
		Stats: lint.Stats{Files: 1, Objects: 40, Cluster: "prod-eu", OnOwner: 3},
		Files: []lint.FileObjects{
			{File: "deploy/etl.yaml", Objects: []lint.ObjectRef{job}},
			{File: "cluster prod-eu", Objects: []lint.ObjectRef{job, pod, ns}},
		},
	}
}

// TestLiveGolden: every format writes findings on a cluster's objects
// without a file, naming the context and the object.
func TestLiveGolden(t *testing.T) {
	for _, tc := range []struct{ format, file string }{
		{"text", "golden.live.txt"},
		{"concise", "golden.live.concise.txt"},
		{"json", "golden.live.json"},
		{"sarif", "golden.live.sarif"},
		{"github", "golden.live.github.txt"},
		{"junit", "golden.live.junit.xml"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			got := renderLive(t, tc.format)
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

func renderLive(t *testing.T, name string) []byte {
	t.Helper()
	f, err := New(name, Options{Rules: testRules, Version: "1.2.3", FailOn: rules.Warning, Width: 100})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Format(&buf, liveResult()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLiveSARIF: the live results validate against SARIF 2.1.0, carry a
// logical location CONTEXT/NAMESPACE/KIND/NAME and no physical one, and
// their fingerprints tell the cluster's object from the file's.
func TestLiveSARIF(t *testing.T) {
	out := renderLive(t, "sarif")
	if err := validate(t, compileSchema(t, filepath.Join("testdata", "sarif-schema-2.1.0.json")), out); err != nil {
		t.Errorf("not valid SARIF 2.1.0:\n%v", err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation *json.RawMessage
					LogicalLocations []struct{ FullyQualifiedName string }
				}
				PartialFingerprints map[string]string
			}
		}
	}
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	res := log.Runs[0].Results
	names := []string{"batch/Job/etl", "prod-eu/batch/Job/etl", "prod-eu/batch/Pod/etl-x7k2p", "prod-eu/Namespace/batch"}
	seen := map[string]bool{}
	for i, r := range res {
		loc := r.Locations[0]
		if got := loc.LogicalLocations[0].FullyQualifiedName; got != names[i] && !(i == 0 && got == "Job batch/etl") {
			t.Errorf("result %d: logical location %q, want %q", i, got, names[i])
		}
		if (loc.PhysicalLocation != nil) != (i == 0) {
			t.Errorf("result %d: physical location %v; only the file's finding has one", i, loc.PhysicalLocation != nil)
		}
		fp := r.PartialFingerprints["meshbatchFinding/v1"]
		if fp == "" || seen[fp] {
			t.Errorf("result %d: fingerprint %q is empty or not unique", i, fp)
		}
		seen[fp] = true
	}
	if again := renderLive(t, "sarif"); !bytes.Equal(out, again) {
		t.Error("two renderings differ: the fingerprints are not stable")
	}
}

// TestLiveJSONSchema: the JSON report of live findings validates against
// the published schema.
func TestLiveJSONSchema(t *testing.T) {
	s := compileSchema(t, filepath.Join("..", "..", "..", "docs", "schemas", "lint-report.v1.schema.json"))
	if err := validate(t, s, renderLive(t, "json")); err != nil {
		t.Errorf("JSON report does not match the schema:\n%v", err)
	}
}

package format

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// Standard input has no URI in SARIF, and "<stdin>" is not a URI
// reference: its findings keep the schema (formats asserted), name
// <stdin> in the location's description, and claim no file under
// %SRCROOT%.
func TestSARIFStandardInput(t *testing.T) {
	job := lint.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "batch", Name: "etl"}
	res := &lint.Result{Findings: lint.FindingsOf(lint.Finding{
		RuleID: "MB101", Slug: "job-sidecar-never-exits", Severity: rules.Error, Message: "Job batch/etl keeps its sidecar",
		Remediation: "Use a native sidecar.", URL: rules.DocsBase + "MB101.md",
		File: lint.StdinName, Line: 14, Column: 11, Object: job,
		Related: []lint.RelatedObject{{File: "sa.yaml", Line: 2, Object: lint.ObjectRef{APIVersion: "v1", Kind: "ServiceAccount", Namespace: "batch", Name: "etl"}}},
	})}
	var buf bytes.Buffer
	if err := (&SARIF{Version: "dev", Rules: testRules}).Format(&buf, res); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, compileSchema(t, filepath.Join("testdata", "sarif-schema-2.1.0.json")), buf.Bytes()); err != nil {
		t.Fatalf("not valid SARIF 2.1.0:\n%v", err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation map[string]any `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				RelatedLocations []struct {
					PhysicalLocation struct {
						ArtifactLocation map[string]any `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"relatedLocations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	r := log.Runs[0].Results[0]
	want := map[string]any{"uri": "%3Cstdin%3E", "description": map[string]any{"text": "<stdin> (standard input)"}}
	if diff := cmp.Diff(want, r.Locations[0].PhysicalLocation.ArtifactLocation); diff != "" {
		t.Errorf("standard input's location (-want +got):\n%s", diff)
	}
	want = map[string]any{"uri": "sa.yaml", "uriBaseId": "%SRCROOT%"}
	if diff := cmp.Diff(want, r.RelatedLocations[0].PhysicalLocation.ArtifactLocation); diff != "" {
		t.Errorf("a file's location (-want +got):\n%s", diff)
	}
}

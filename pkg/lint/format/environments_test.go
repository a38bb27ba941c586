package format

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
)

// TestFoundWithEnvironments: a plain file's finding that only some chart
// environments cause names them in JSON (valid against the schema) and
// in SARIF's properties, and is an alert of its own: its fingerprint
// differs from the same finding's found with every environment.
func TestFoundWithEnvironments(t *testing.T) {
	res := testResult()
	all := slices.Collect(res.Findings.All())
	every := all[1]
	some := every
	some.Message += " [environment prod]"
	some.Environments = []string{"prod"}
	res.Findings = lint.FindingsOf(every, some)
	res.Suppressed = lint.Findings{} // SARIF lists them as results too

	js := format(t, "json", res)
	if err := validate(t, compileSchema(t, filepath.Join("..", "..", "..", "docs", "schemas", "lint-report.v1.schema.json")), js); err != nil {
		t.Errorf("JSON report does not match the schema:\n%v", err)
	}
	var rep struct{ Findings []map[string]any }
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	if _, ok := rep.Findings[0]["environments"]; ok {
		t.Errorf("JSON: a finding of every environment has environments: %v", rep.Findings[0])
	}
	if got, _ := json.Marshal(rep.Findings[1]["environments"]); string(got) != `["prod"]` {
		t.Errorf("JSON environments %s, want [\"prod\"]", got)
	}

	sarif := format(t, "sarif", res)
	if err := validate(t, compileSchema(t, filepath.Join("testdata", "sarif-schema-2.1.0.json")), sarif); err != nil {
		t.Errorf("SARIF is not valid SARIF 2.1.0:\n%v", err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Fingerprints map[string]string `json:"partialFingerprints"`
				Properties   map[string]any    `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(sarif, &log); err != nil {
		t.Fatal(err)
	}
	rs := log.Runs[0].Results
	if len(rs) != 2 {
		t.Fatalf("%d SARIF results, want 2", len(rs))
	}
	if got, _ := json.Marshal(rs[1].Properties["environments"]); string(got) != `["prod"]` || rs[0].Properties["environments"] != nil {
		t.Errorf("SARIF properties %v and %v: want environments [\"prod\"] on the second only", rs[0].Properties, rs[1].Properties)
	}
	if rs[0].Fingerprints["meshbatchFinding/v1"] == rs[1].Fingerprints["meshbatchFinding/v1"] {
		t.Errorf("the two results share a fingerprint: code scanning would merge them")
	}
	// The same on a cluster's object, whose fingerprint names no file.
	for _, f := range []*lint.Finding{&every, &some} {
		f.File, f.Line, f.Column, f.Context = "", 0, 0, "prod-eu"
	}
	if fingerprint(every) == fingerprint(some) {
		t.Errorf("on a cluster's object, the two findings share a fingerprint")
	}
}

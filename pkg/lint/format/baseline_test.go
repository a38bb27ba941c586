package format

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// baselinedResult is testResult with its MB101 finding hidden by a
// baseline, and two stale entries of it.
func baselinedResult() *lint.Result {
	res := testResult()
	all := slices.Collect(res.Findings.All())
	f := all[1]
	f.Suppressed, f.SuppressedBy = "baseline .meshbatch-baseline.json", lint.SuppressedByBaseline
	res.Baselined = lint.FindingsOf(f)
	res.Findings = lint.FindingsOf(append(all[:1], all[2:]...)...)
	res.Stale = []lint.StaleEntry{
		{RuleID: "MB001", File: "deploy/fixed.yaml", Message: "2fa2d0a8adad754158a0538a07ad0135", Count: 1},
		{RuleID: "MB301", Kind: "Job", Namespace: "batch", Name: "old", FieldPath: "spec", Message: "7edd984bc0b495ebc71db53289cfe8d5", Count: 2},
	}
	return res
}

func format(t *testing.T, name string, res *lint.Result) []byte {
	t.Helper()
	f, err := New(name, Options{Rules: testRules, Version: "1.2.3", FailOn: rules.Error})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Format(&buf, res); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBaselinedFindings: every format leaves baselined findings out of
// what fails, counts them, and the machine-readable ones list them and
// the stale entries, valid against their schemas.
func TestBaselinedFindings(t *testing.T) {
	res := baselinedResult()
	const summary = "1 error, 1 warning, 1 info in 3 objects from 4 files (1 input not read, 2 suppressed, 1 baselined, 2 stale baseline entries, " +
		"1 object of kinds no rule reads, 2 checks silenced by partial input: MB101)"
	for _, name := range []string{"text", "github"} {
		out := string(format(t, name, res))
		if strings.Contains(out, "MB101") && !strings.Contains(out, "silenced by partial input: MB101") {
			t.Errorf("%s shows the baselined finding:\n%s", name, out)
		}
		if !strings.HasSuffix(out, summary+"\n") {
			t.Errorf("%s summary:\n%s\nwant\n%s", name, out, summary)
		}
	}

	js := format(t, "json", res)
	if err := validate(t, compileSchema(t, filepath.Join("..", "..", "..", "docs", "schemas", "lint-report.v1.schema.json")), js); err != nil {
		t.Errorf("JSON report does not match the schema:\n%v", err)
	}
	var rep struct {
		Findings  []jsonFinding
		Baselined []jsonFinding
		Stale     []map[string]any
		Summary   jsonSummary
	}
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 3 || len(rep.Baselined) != 1 || rep.Baselined[0].RuleID != "MB101" ||
		rep.Baselined[0].Suppression == nil || rep.Baselined[0].Suppression.By != "baseline" ||
		rep.Baselined[0].Suppression.Origin != "baseline .meshbatch-baseline.json" {
		t.Errorf("JSON findings %+v, baselined %+v", rep.Findings, rep.Baselined)
	}
	wantStale := []map[string]any{
		{"rule": "MB001", "file": "deploy/fixed.yaml", "message": "2fa2d0a8adad754158a0538a07ad0135", "count": 1.0},
		{"rule": "MB301", "kind": "Job", "namespace": "batch", "name": "old", "fieldPath": "spec", "message": "7edd984bc0b495ebc71db53289cfe8d5", "count": 2.0},
	}
	if got, _ := json.Marshal(rep.Stale); !bytes.Equal(got, must(json.Marshal(wantStale))) {
		t.Errorf("JSON stale entries %s", got)
	}
	if rep.Summary.Baselined != 1 || rep.Summary.Stale != 2 || rep.Summary.Suppressed != 2 || rep.Summary.Errors != 1 {
		t.Errorf("JSON summary %+v", rep.Summary)
	}

	sarif := format(t, "sarif", res)
	if err := validate(t, compileSchema(t, filepath.Join("testdata", "sarif-schema-2.1.0.json")), sarif); err != nil {
		t.Errorf("SARIF is not valid SARIF 2.1.0:\n%v", err)
	}
	for _, want := range []string{
		`"justification": "baseline .meshbatch-baseline.json"`,
		`"text": "stale baseline entry: MB301 Job batch/old at spec (2 findings)"`,
		`"text": "stale baseline entry: MB001 in deploy/fixed.yaml"`,
	} {
		if !bytes.Contains(sarif, []byte(want)) {
			t.Errorf("SARIF lacks %s", want)
		}
	}

	junit := string(format(t, "junit", res))
	if strings.Contains(junit, "MB101") {
		t.Errorf("JUnit lists the baselined finding:\n%s", junit)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

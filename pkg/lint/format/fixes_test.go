package format

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// fixedResult lints a fixture whose findings offer fixes, asking for them.
func fixedResult(t *testing.T, fixes bool) *lint.Result {
	t.Helper()
	file := filepath.Join("..", "..", "rules", "checks", "testdata", "MB206", "bad.yaml")
	res, err := lint.Run(context.Background(), []string{file}, lint.Options{Fixes: fixes})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestFixesInReports checks that JSON and SARIF carry the findings' fixes,
// that both still validate against their schemas, and that a run that
// does not ask for fixes carries none.
func TestFixesInReports(t *testing.T) {
	res := fixedResult(t, true)
	var js, sarif bytes.Buffer
	if err := (&JSON{Version: "dev"}).Format(&js, res); err != nil {
		t.Fatal(err)
	}
	if err := (&SARIF{Version: "dev", Rules: checks.All()}).Format(&sarif, res); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, compileSchema(t, filepath.Join("..", "..", "..", "docs", "schemas", "lint-report.v1.schema.json")), js.Bytes()); err != nil {
		t.Errorf("JSON with fixes does not match its schema:\n%v", err)
	}
	if err := validate(t, compileSchema(t, filepath.Join("testdata", "sarif-schema-2.1.0.json")), sarif.Bytes()); err != nil {
		t.Errorf("SARIF with fixes is not valid SARIF 2.1.0:\n%v", err)
	}

	var report struct {
		Findings []struct {
			RuleID string   `json:"ruleId"`
			Fix    *jsonFix `json:"fix"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(js.Bytes(), &report); err != nil {
		t.Fatal(err)
	}
	withFix := 0
	for _, f := range report.Findings {
		if f.Fix != nil {
			withFix++
			if f.Fix.Description == "" || len(f.Fix.Edits) == 0 {
				t.Errorf("%s: empty fix %+v", f.RuleID, f.Fix)
			}
		}
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Fixes []sarifFix `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	sarifFixes := 0
	for _, r := range log.Runs[0].Results {
		for _, f := range r.Fixes {
			sarifFixes++
			if len(f.ArtifactChanges) != 1 || len(f.ArtifactChanges[0].Replacements) == 0 {
				t.Errorf("SARIF fix without replacements: %+v", f)
			}
		}
	}
	if withFix == 0 || withFix != sarifFixes {
		t.Errorf("JSON has %d findings with a fix, SARIF %d results with one; want the same, more than 0", withFix, sarifFixes)
	}

	js.Reset()
	if err := (&JSON{Version: "dev"}).Format(&js, fixedResult(t, false)); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(js.Bytes(), []byte(`"fix"`)) {
		t.Error("a run that did not ask for fixes reports some")
	}
}

// TestFixErrorsInReports: a fix a rule failed to build is said in every
// report, apart from the paths that could not be read: JSON's fixErrors
// (valid against the schema), a SARIF notification that marks the run
// unsuccessful, and the summary line.
func TestFixErrorsInReports(t *testing.T) {
	res := fixedResult(t, true)
	res.FixErrors = []error{&rules.FixError{Rule: "MB206", File: "bad.yaml", Line: 3, Object: "Job batch/etl", Err: errors.New("boom")}}
	want := "bad.yaml:3: MB206: building the fix for Job batch/etl failed: boom; this is a bug in meshbatch"

	var js, sarif bytes.Buffer
	if err := (&JSON{Version: "dev"}).Format(&js, res); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, compileSchema(t, filepath.Join("..", "..", "..", "docs", "schemas", "lint-report.v1.schema.json")), js.Bytes()); err != nil {
		t.Errorf("JSON with fix errors does not match its schema:\n%v", err)
	}
	var report struct {
		InputErrors []string `json:"inputErrors"`
		FixErrors   []string `json:"fixErrors"`
	}
	if err := json.Unmarshal(js.Bytes(), &report); err != nil {
		t.Fatal(err)
	}
	if len(report.InputErrors) != 0 || len(report.FixErrors) != 1 || !strings.HasPrefix(report.FixErrors[0], want) {
		t.Errorf("JSON: input errors %q, fix errors %q", report.InputErrors, report.FixErrors)
	}

	if err := (&SARIF{Version: "dev", Rules: checks.All()}).Format(&sarif, res); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Invocations []sarifInvocation `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	inv := log.Runs[0].Invocations[0]
	if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 1 || !strings.HasPrefix(inv.ToolExecutionNotifications[0].Message.Text, want) {
		t.Errorf("SARIF invocation %+v", inv)
	}

	if s := Summary(res); !strings.Contains(s, "1 fix not built") || strings.Contains(s, "not read") {
		t.Errorf("summary %q", s)
	}
	res.FixErrors = nil
	js.Reset()
	if err := (&JSON{Version: "dev"}).Format(&js, res); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(js.Bytes(), []byte("fixErrors")) {
		t.Error("a run without fix errors reports fixErrors")
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// breakMB206 replaces MB206's check, for the test, with one that reports
// every batch workload with a fix build makes: a rule whose fix has a bug.
// No test here runs in parallel, so none sees it but the caller.
func breakMB206(t *testing.T, build func(w *rules.Workload, ed *manifest.Editor) error) {
	r := checks.InjectAnnotationDeprecated
	check := r.Check
	t.Cleanup(func() { r.Check = check })
	r.Check = func(p *rules.Pass) {
		for _, w := range p.Index.BatchWorkloads() {
			p.ReportFixf(rules.Offer{Description: "broken", Build: func(ed *manifest.Editor) error { return build(w, ed) }},
				w.Object, "spec", "%s: a finding with a broken fix", w.Object.Ref())
		}
	}
}

// TestBrokenFixExit: a rule's fix that fails to build, or changes
// nothing, is a bug in meshbatch: lint -f json and fix say so, name the
// rule and the file, exit 2, and do not call it input that could not be
// read. lint still writes its report, the finding in it without a fix.
func TestBrokenFixExit(t *testing.T) {
	dir := t.TempDir()
	job := "apiVersion: batch/v1\nkind: Job\nmetadata: {name: etl, namespace: batch}\nspec:\n  template:\n    spec:\n" +
		"      restartPolicy: Never\n      containers: [{name: etl, image: etl:1}]\n"
	for name, data := range map[string]string{"job.yaml": job, ".meshbatch.yaml": "rules: {disable: [\"*\"], enable: [MB206]}\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	cli := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
		return code, out.String(), errOut.String()
	}

	breakMB206(t, func(*rules.Workload, *manifest.Editor) error { return errors.New("the editor lost its place") })
	bug := "meshbatch: job.yaml:1: MB206: building the fix for Job batch/etl failed: the editor lost its place; this is a bug in meshbatch, please report it"
	code, out, stderr := cli("lint", "-f", "json", "--fail-on", "none", "job.yaml")
	if code != exitUsage || !strings.Contains(stderr, bug) || !strings.Contains(stderr, "meshbatch: 1 fix could not be built (said above): its finding is reported without it") ||
		strings.Contains(stderr, "could not be read") {
		t.Errorf("lint -f json: exit %d, stderr:\n%s", code, stderr)
	}
	var report struct {
		Findings    []struct{ Fix any }
		InputErrors []string `json:"inputErrors"`
		FixErrors   []string `json:"fixErrors"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("lint -f json wrote no report: %v\n%s", err, out)
	}
	if len(report.Findings) != 1 || report.Findings[0].Fix != nil || len(report.InputErrors) != 0 || len(report.FixErrors) != 1 {
		t.Errorf("report: %+v", report)
	}
	code, _, stderr = cli("lint", "--fail-on", "warning", "job.yaml") // text asks for no fix: no fix to fail
	if code != exitFindings || strings.Contains(stderr, "fix") {
		t.Errorf("lint: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = cli("fix", "--write", "job.yaml")
	if code != exitUsage || !strings.Contains(stderr, bug) || !strings.Contains(stderr, "meshbatch: 1 fix of meshbatch's rules could not be applied (said above)") ||
		strings.Contains(stderr, "could not be read") || strings.Contains(stderr, "nothing to fix") {
		t.Errorf("fix: exit %d, stderr:\n%s", code, stderr)
	}

	breakMB206(t, func(w *rules.Workload, ed *manifest.Editor) error {
		return ed.ReplaceScalar(w.TemplateField("spec.containers[0].name"), "etl")
	})
	code, out, stderr = cli("fix", "job.yaml")
	if code != exitUsage || out != "" ||
		!strings.Contains(stderr, "meshbatch: job.yaml:4: MB206 not fixed: its fix changes nothing, so the finding is left as it is; this is a bug in meshbatch, please report it") ||
		strings.Contains(stderr, "nothing to fix") {
		t.Errorf("fix with a fix that changes nothing: exit %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	if got, _ := os.ReadFile("job.yaml"); string(got) != job {
		t.Errorf("job.yaml was written:\n%s", got)
	}
}

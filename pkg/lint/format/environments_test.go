package format

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	mbrender "github.com/meshbatch/meshbatch/pkg/render"
	"github.com/meshbatch/meshbatch/pkg/render/engine"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestFoundWithEnvironments: a plain file's finding that only some chart
// environments cause names them in JSON (valid against the schema) and
// in SARIF's properties, and is the same alert as the finding found with
// every environment: the environments take no part in its fingerprint.
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
	if rs[0].Fingerprints["meshbatchFinding/v1"] != rs[1].Fingerprints["meshbatchFinding/v1"] {
		t.Errorf("the two results' fingerprints differ: the environments that found a finding would make it another alert")
	}
	// The same on a cluster's object, whose fingerprint names no file.
	for _, f := range []*lint.Finding{&every, &some} {
		f.File, f.Line, f.Column, f.Context = "", 0, 0, "prod-eu"
	}
	if fingerprint(every) != fingerprint(some) {
		t.Errorf("on a cluster's object, the environments that found a finding make it another alert")
	}
	// And on a document that is no object, whose fingerprint takes the
	// message: without the note naming the environments.
	for _, f := range []*lint.Finding{&every, &some} {
		f.File, f.Line, f.Context, f.Object, f.FieldPath = "deploy/bad.yaml", 3, "", lint.ObjectRef{}, ""
	}
	if fingerprint(every) != fingerprint(some) {
		t.Errorf("on a document without an object, the environments that found a finding make it another alert")
	}
	other := every
	other.Message = "another problem"
	if fingerprint(every) == fingerprint(other) {
		t.Errorf("on a document without an object, two messages share a fingerprint")
	}
}

// TestFingerprintKeepsAcrossEnvironments: a plain file's finding keeps
// its SARIF fingerprint when the chart environments of the run change,
// or only some of them find it: the same rule on the same object at the
// same place is one alert to code scanning, whichever environments find
// it (which SARIF's properties.environments still names). Here the
// chart's Sidecar, which prod alone renders, scopes the plain file's Job,
// so MB304 fires with every other environment.
func TestFingerprintKeepsAcrossEnvironments(t *testing.T) {
	t.Chdir(writeFiles(t, map[string]string{
		"job.yaml": `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
		"charts/sc/Chart.yaml":  "apiVersion: v2\nname: sc\nversion: 0.1.0\n",
		"charts/sc/values.yaml": "sidecar: false\n",
		"charts/sc/templates/sidecar.yaml": `{{- if .Values.sidecar }}
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: batch}
spec:
  egress:
    - hosts: ["./*", "istio-system/*"]
{{- end }}
`,
	}))
	type alert struct {
		fingerprint  string
		environments string
	}
	lintWith := func(envs ...string) alert {
		t.Helper()
		res, err := lint.Run(context.Background(), []string{"."}, lint.Options{
			Rules: []*rules.Rule{checks.SidecarScopeMissing},
			Render: lint.RenderOptions{Renderer: engine.Engine{}, Configure: func(tg mbrender.Target) []mbrender.Target {
				var out []mbrender.Target
				for _, env := range envs {
					et := tg
					et.Environment = env
					if env == "prod" {
						et.Set = []string{"sidecar=true"}
					}
					out = append(out, et)
				}
				return out
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var log struct {
			Runs []struct {
				Results []struct {
					RuleID       string            `json:"ruleId"`
					Fingerprints map[string]string `json:"partialFingerprints"`
					Properties   struct {
						Environments []string `json:"environments"`
					} `json:"properties"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(format(t, "sarif", res), &log); err != nil {
			t.Fatal(err)
		}
		var got []alert
		for _, r := range log.Runs[0].Results {
			if r.RuleID == "MB304" {
				got = append(got, alert{r.Fingerprints["meshbatchFinding/v1"], strings.Join(r.Properties.Environments, ",")})
			}
		}
		if len(got) != 1 {
			t.Fatalf("environments %v: %d MB304 results, want 1: %+v", envs, len(got), got)
		}
		return got[0]
	}
	runs := []struct {
		envs []string
		want string // properties.environments
	}{
		{[]string{"prod", "staging"}, "staging"},
		{[]string{"prod", "staging", "qa"}, "qa,staging"},
		{[]string{"staging", "qa"}, ""},
	}
	var first string
	for i, r := range runs {
		got := lintWith(r.envs...)
		if got.environments != r.want {
			t.Errorf("environments %v: properties.environments %q, want %q", r.envs, got.environments, r.want)
		}
		if i == 0 {
			first = got.fingerprint
		} else if got.fingerprint != first {
			t.Errorf("environments %v: fingerprint %s, was %s with %v: code scanning would close the alert and open another",
				r.envs, got.fingerprint, first, runs[0].envs)
		}
	}
}

// writeFiles writes files (slash path: content) under a new directory
// and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

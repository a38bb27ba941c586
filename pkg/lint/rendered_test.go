package lint_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/format"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	mbrender "github.com/meshbatch/meshbatch/pkg/render"
	"github.com/meshbatch/meshbatch/pkg/render/engine"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestRenderedGolden lints the chart and the Kustomize directories of
// testdata/render as rendered, and holds the reports to goldens: each
// finding at the template, patch or resource file that causes it, once
// per rendering; render errors as MB001 findings at the template's line.
func TestRenderedGolden(t *testing.T) {
	facts, err := lint.RawFacts{IstioVersion: "1.28", KubernetesVersion: "1.31"}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		paths   []string
		values  []string
		set     []string
		partial bool
		format  string
		config  string // a config file whose charts: renders the charts
	}{
		{name: "chart_staging", paths: []string{"charts/etl"}, values: []string{"charts/etl/values-staging.yaml"}},
		{name: "chart_prod", paths: []string{"charts/etl"}, values: []string{"charts/etl/values-prod.yaml"}},
		{name: "chart_set", paths: []string{"charts/etl"}, values: []string{"charts/etl/values-prod.yaml"}, set: []string{"proxy.memory=32Mi", "jobs.export.deadlineSeconds=90000"}},
		{name: "chart_required_value", paths: []string{"charts/etl"}},
		{name: "chart_template_error", paths: []string{"charts/broken"}},
		{name: "overlays", paths: []string{"overlays"}},
		{name: "overlays_json", paths: []string{"overlays/staging"}, format: "json"},
		// Annotations a toYaml wrote are in no line of the template: the
		// finding is on its first line, with the rendered line quoted.
		{name: "chart_unmapped_line", paths: []string{"charts/report"}},
		{name: "remote_base", paths: []string{"remote"}},
		// What a pre-commit hook passes: the files changed, here a
		// template, a values file and a patch.
		{name: "precommit", paths: []string{"charts/etl/templates/cronjob.yaml", "charts/etl/values-staging.yaml", "overlays/staging/proxy.yaml"},
			values: []string{"charts/etl/values-staging.yaml"}, partial: true},
		// Two environments of the chart in one run, from charts: in the
		// config: each finding names its environment.
		{name: "environments", paths: []string{"charts/etl"}, config: "environments.meshbatch.yaml"},
		{name: "environments_json", paths: []string{"charts/etl"}, config: "environments.meshbatch.yaml", format: "json"},
		// An overlay with a component that patches the CronJob and a
		// configMapGenerator: the finding is at the component's patch,
		// and the base and the component are said, each as what it is.
		{name: "overlay_component", paths: []string{"k"}},
		// A changed generator source (not YAML) lints its overlay.
		{name: "overlay_generator_source", paths: []string{"k/prod/settings.properties"}, partial: true},
		// A changed _helpers.tpl alone: the chart, as chart_staging.
		{name: "precommit_helpers", paths: []string{"charts/etl/templates/_helpers.tpl"}, values: []string{"charts/etl/values-staging.yaml"}, partial: true},
	}
	t.Chdir("testdata/render")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := lint.Options{
				Facts:   facts,
				Partial: c.partial,
				Render: lint.RenderOptions{
					Renderer: engine.Engine{},
					Configure: func(tg mbrender.Target) []mbrender.Target {
						if tg.Kind == mbrender.Helm {
							tg.Values = append(tg.Values, c.values...)
							tg.Set = append(tg.Set, c.set...)
						}
						return []mbrender.Target{tg}
					},
				},
			}
			if c.config != "" {
				cfg, err := config.Load(c.config)
				if err != nil {
					t.Fatal(err)
				}
				opts.Render.Configure = cfg.ChartRenderings
			}
			res, err := lint.Run(context.Background(), c.paths, opts)
			if err != nil {
				t.Fatal(err)
			}
			name := c.format
			if name == "" {
				name = "concise"
			}
			f, err := format.New(name, format.Options{Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := f.Format(&buf, res); err != nil {
				t.Fatal(err)
			}
			for _, n := range res.Notices {
				buf.WriteString("notice: " + n + "\n")
			}
			for _, e := range res.InputErrors {
				buf.WriteString("input error: " + e.Error() + "\n")
			}
			golden := filepath.Join("golden", c.name+"."+map[string]string{"concise": "txt", "json": "json"}[name])
			checkGolden(t, golden, buf.Bytes())
		})
	}
}

var update = flag.Lookup("update")

func checkGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	if update != nil && update.Value.String() == "true" {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", file, diff)
	}
}

// TestRenderedSARIF: a SARIF result on a rendered document is located in
// its source, and its properties carry the rendered document and where
// the finding was in it.
func TestRenderedSARIF(t *testing.T) {
	t.Chdir("testdata/render")
	res, err := lint.Run(context.Background(), []string{"overlays/staging"}, lint.Options{Render: lint.RenderOptions{Renderer: engine.Engine{}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := format.New("sarif", format.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Format(&buf, res); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Properties struct {
					Rendered *lint.RenderedFrom `json:"rendered"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range log.Runs[0].Results {
		if r.RuleID != "MB303" {
			continue
		}
		found = true
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != "overlays/staging/proxy.yaml" || loc.Region.StartLine != 12 {
			t.Errorf("MB303 at %s:%d, want overlays/staging/proxy.yaml:12", loc.ArtifactLocation.URI, loc.Region.StartLine)
		}
		rf := r.Properties.Rendered
		if rf == nil || rf.Dir != "overlays/staging" || rf.Kind != mbrender.Kustomize || !rf.Mapped ||
			!strings.Contains(rf.Document, "sidecar.istio.io/proxyMemoryLimit: 32Mi") || rf.Line != 16 {
			t.Errorf("properties.rendered = %+v, want the staging build's document with the line in it", rf)
		}
	}
	if !found {
		t.Fatal("no MB303 result: the staging overlay's memory limit below its request was not reported")
	}
}

// TestRenderedDocumentOverLimit: a rendered document is held to the size
// limit of a file, as an MB001 finding on its source.
func TestRenderedDocumentOverLimit(t *testing.T) {
	t.Chdir("testdata/render")
	res, err := lint.Run(context.Background(), []string{"charts/etl"}, lint.Options{
		Limits: manifest.Limits{MaxFileBytes: 200},
		Render: lint.RenderOptions{Renderer: engine.Engine{}, Configure: func(tg mbrender.Target) []mbrender.Target {
			tg.Values = []string{"charts/etl/values-prod.yaml"}
			return []mbrender.Target{tg}
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for f := range res.Findings.All() {
		if f.RuleID == "MB001" && f.File == filepath.Join("charts", "etl", "templates", "cronjob.yaml") &&
			strings.Contains(f.Message, "a document rendered from this file is ") && strings.Contains(f.Message, "over the limit of 200 bytes") {
			n++
		}
	}
	if n != 2 { // the two CronJobs; the ServiceAccount is under the limit
		t.Errorf("%d MB001 findings on the oversized documents, want 2", n)
	}
}

// TestRenderedNothing: a chart that renders no document is said, not an
// error.
func TestRenderedNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: empty\nversion: 0.1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), []string{dir}, lint.Options{Render: lint.RenderOptions{Renderer: engine.Engine{}}})
	if err != nil {
		t.Fatal(err)
	}
	want := dir + ": the Helm chart rendered no document, so nothing of it was linted"
	if res.Findings.Len() != 0 || len(res.InputErrors) != 0 || len(res.Notices) != 1 || res.Notices[0] != want {
		t.Errorf("findings %d, input errors %v, notices %q; want only the notice %q", res.Findings.Len(), res.InputErrors, res.Notices, want)
	}
}

// TestNoFixOnRenderedFindings: a fix's edits are offsets in the rendered
// document, so a finding moved to its template must not carry them (fix
// would write them into the template's bytes). The same MB302 finding on
// a plain file offers a fix (TestNoFixOnLiveObjects).
func TestNoFixOnRenderedFindings(t *testing.T) {
	t.Chdir("testdata/render")
	res, err := lint.Run(context.Background(), []string{"charts/report"}, lint.Options{
		Fixes:  true,
		Render: lint.RenderOptions{Renderer: engine.Engine{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for f := range res.Findings.All() {
		if f.Rendered == nil {
			continue
		}
		if f.RuleID == "MB302" {
			seen++
		}
		if f.Fix != nil {
			t.Errorf("%s at %s:%d carries a fix of the rendered document", f.RuleID, f.File, f.Line)
		}
	}
	if seen == 0 {
		t.Fatal("no rendered MB302 finding: the chart no longer shows what this test is about")
	}
}

// TestEnvironmentsApart: each environment of a chart is checked without
// the objects of the others. Only prod renders the AuthorizationPolicy
// that admits the batch namespace's default identity, so MB508 fires on
// prod's Job and not on staging's. A plain file's Job is checked with
// each environment: MB101, which fires in both, is reported once, and
// names no environment; MB508, which prod's policy alone causes, names
// prod. In SARIF, the result names its environment.
func TestEnvironmentsApart(t *testing.T) {
	t.Chdir("testdata/render")
	cfg, err := config.Load("environments.meshbatch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), []string{"charts/envs", "plain"}, lint.Options{
		Rules:  []*rules.Rule{checks.Lookup("MB101"), checks.Lookup("MB508")},
		Render: lint.RenderOptions{Renderer: engine.Engine{}, Configure: cfg.ChartRenderings},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for f := range res.Findings.All() {
		env := ""
		if f.Rendered != nil {
			env = f.Rendered.Environment
		}
		if f.Environments != nil {
			env = "found with " + strings.Join(f.Environments, ",")
			if f.Rendered != nil {
				t.Errorf("%s:%d: a rendered finding names the environments %q it was found with", f.File, f.Line, f.Environments)
			}
		}
		if env != "" && !strings.HasSuffix(f.Message, " [environment "+strings.TrimPrefix(env, "found with ")+"]") {
			t.Errorf("%s:%d: the message does not name environment %q: %s", f.File, f.Line, env, f.Message)
		}
		if env == "" && strings.Contains(f.Message, "[environment") {
			t.Errorf("%s:%d: found with every environment, the message names one: %s", f.File, f.Line, f.Message)
		}
		got = append(got, fmt.Sprintf("%s %s:%d %s", f.RuleID, f.File, f.Line, env))
	}
	want := []string{
		"MB508 charts/envs/templates/job.yaml:11 prod",
		"MB101 charts/envs/templates/job.yaml:14 prod",
		"MB101 charts/envs/templates/job.yaml:14 staging",
		"MB508 plain/job.yaml:11 found with prod",
		"MB101 plain/job.yaml:14 ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if res.Stats.Objects != 4 { // two Jobs of the chart, prod's policy, the plain Job
		t.Errorf("%d objects, want 4", res.Stats.Objects)
	}

	f, err := format.New("sarif", format.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Format(&buf, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"environment": "prod"`) {
		t.Errorf("the SARIF result's properties.rendered does not name the environment:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), `"environments": [`) {
		t.Errorf("the SARIF result of the plain file's MB508 does not name the environment it was found with:\n%s", buf.String())
	}
	// The two environments' MB101 on the chart's Job are two alerts to
	// code scanning: their fingerprints differ.
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID       string            `json:"ruleId"`
				Fingerprints map[string]string `json:"partialFingerprints"`
				Locations    []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	prints := map[string]bool{}
	for _, r := range log.Runs[0].Results {
		if r.RuleID == "MB101" && r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "charts/envs/templates/job.yaml" {
			for _, v := range r.Fingerprints {
				prints[v] = true
			}
		}
	}
	if len(prints) != 2 {
		t.Errorf("the environments' MB101 results have %d distinct fingerprints, want 2", len(prints))
	}
}

// TestRenderedLibraryChart: a library chart renders nothing on its own,
// and lint says why instead of reporting an empty rendering.
func TestRenderedLibraryChart(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: lib\ntype: library\nversion: 0.1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), []string{dir}, lint.Options{Render: lint.RenderOptions{Renderer: engine.Engine{}}})
	if err != nil {
		t.Fatal(err)
	}
	want := dir + ": a library chart (type: library), which renders nothing on its own: it is linted in the charts that use it"
	if res.Findings.Len() != 0 || len(res.InputErrors) != 0 || len(res.Notices) != 1 || res.Notices[0] != want {
		t.Errorf("findings %d, input errors %v, notices %q; want only the notice %q", res.Findings.Len(), res.InputErrors, res.Notices, want)
	}
}

// failingRenderer stands for a meshbatch-render that cannot run.
type failingRenderer struct{}

func (failingRenderer) Render(context.Context, []mbrender.Target) ([]mbrender.Rendering, error) {
	return nil, fmt.Errorf("meshbatch-render: not found")
}

// TestRendererFailsOnEnvironments: when the renderer cannot run, a chart
// rendered for two environments is one input error, not one each.
func TestRendererFailsOnEnvironments(t *testing.T) {
	t.Chdir("testdata/render")
	cfg, err := config.Load("environments.meshbatch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), []string{"charts/etl"}, lint.Options{
		Render: lint.RenderOptions{Renderer: failingRenderer{}, Configure: cfg.ChartRenderings},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.InputErrors) != 1 || !strings.Contains(res.InputErrors[0].Error(), "Helm chart not rendered: meshbatch-render: not found") {
		t.Errorf("input errors %v, want one for the chart", res.InputErrors)
	}
}

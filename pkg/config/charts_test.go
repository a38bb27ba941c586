package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/render"
)

func chartRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range map[string]string{
		"charts/etl/Chart.yaml":       "apiVersion: v2\nname: etl\nversion: 0.1.0\n",
		"charts/etl/values-prod.yaml": "image: etl:1\n",
		"env/etl-extra.yaml":          "proxy: {memory: 1Gi}\n",
	} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestCharts: charts: gives each chart its values files (relative to the
// config's directory, in order), its --set values (sorted by key), release
// name and namespace; a values file outside the chart names its chart.
func TestCharts(t *testing.T) {
	root := chartRepo(t)
	t.Chdir(root)
	c, err := Parse(".meshbatch.yaml", root, []byte(`charts:
  charts/etl:
    values: [charts/etl/values-prod.yaml, env/etl-extra.yaml]
    set: {replicas: 2, image.tag: "1.2"}
    releaseName: etl
    namespace: batch
`))
	if err != nil {
		t.Fatal(err)
	}
	tg := render.Target{Kind: render.Helm, Dir: "charts/etl"}
	c.ConfigureChart(&tg)
	if want := []string{"charts/etl/values-prod.yaml", "env/etl-extra.yaml"}; !slices.Equal(tg.Values, want) {
		t.Errorf("values = %v, want %v", tg.Values, want)
	}
	if want := []string{"image.tag=1.2", "replicas=2"}; !slices.Equal(tg.Set, want) {
		t.Errorf("set = %v, want %v", tg.Set, want)
	}
	if tg.ReleaseName != "etl" || tg.Namespace != "batch" {
		t.Errorf("release %q in %q, want etl in batch", tg.ReleaseName, tg.Namespace)
	}
	other := render.Target{Kind: render.Helm, Dir: "charts/other"}
	c.ConfigureChart(&other)
	if other.Values != nil || other.Set != nil || other.ReleaseName != "" {
		t.Errorf("a chart the config does not name got %+v", other)
	}
	if got := c.ChartOfValuesFile("env/etl-extra.yaml"); got != "charts/etl" {
		t.Errorf("ChartOfValuesFile(env/etl-extra.yaml) = %q, want charts/etl", got)
	}
	if got := c.ChartOfValuesFile("env/other.yaml"); got != "" {
		t.Errorf("ChartOfValuesFile(env/other.yaml) = %q, want none", got)
	}
}

// TestChartsErrors: mistakes under charts: are errors at their line.
func TestChartsErrors(t *testing.T) {
	root := chartRepo(t)
	t.Chdir(root)
	for conf, want := range map[string]string{
		"charts:\n  charts/nope: {}\n":                                 `.meshbatch.yaml:2:3: charts["charts/nope"]: charts/nope holds no Chart.yaml`,
		"charts:\n  charts/etl:\n    values: [missing.yaml]\n":         `.meshbatch.yaml:3:14: charts["charts/etl"].values[0]: values file missing.yaml not found`,
		"charts:\n  charts/etl:\n    valuesFiles: [x.yaml]\n":          `.meshbatch.yaml:3:5: in charts["charts/etl"]: unknown key "valuesFiles"`,
		"charts:\n  charts/etl:\n    values: charts/etl/values.yaml\n": `.meshbatch.yaml:3:13: charts["charts/etl"].values: expected a list`,
	} {
		_, err := Parse(".meshbatch.yaml", root, []byte(conf))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config\n%s\nerror %v, want it to contain %q", conf, err, want)
		}
	}
}

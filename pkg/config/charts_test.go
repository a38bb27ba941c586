package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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
	tgs := c.ChartRenderings(render.Target{Kind: render.Helm, Dir: "charts/etl"})
	if len(tgs) != 1 {
		t.Fatalf("%d renderings, want 1: %+v", len(tgs), tgs)
	}
	tg := tgs[0]
	if want := []string{"charts/etl/values-prod.yaml", "env/etl-extra.yaml"}; !slices.Equal(tg.Values, want) {
		t.Errorf("values = %v, want %v", tg.Values, want)
	}
	if want := []string{"image.tag=1.2", "replicas=2"}; !slices.Equal(tg.Set, want) {
		t.Errorf("set = %v, want %v", tg.Set, want)
	}
	if tg.ReleaseName != "etl" || tg.Namespace != "batch" {
		t.Errorf("release %q in %q, want etl in batch", tg.ReleaseName, tg.Namespace)
	}
	others := c.ChartRenderings(render.Target{Kind: render.Helm, Dir: "charts/other"})
	if len(others) != 1 || others[0].Values != nil || others[0].Set != nil || others[0].ReleaseName != "" {
		t.Errorf("a chart the config does not name got %+v", others)
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

// TestChartEnvironments: environments render a chart once each, in name
// order, each with the chart's values and set and then its own, and its
// own release and namespace where it names them; their values files name
// the chart too.
func TestChartEnvironments(t *testing.T) {
	root := chartRepo(t)
	t.Chdir(root)
	c, err := Parse(".meshbatch.yaml", root, []byte(`charts:
  charts/etl:
    values: [env/etl-extra.yaml]
    set: {replicas: 2}
    namespace: batch
    environments:
      staging:
        set: {image.tag: rc}
        namespace: batch-staging
      prod:
        values: [charts/etl/values-prod.yaml]
        releaseName: etl-prod
`))
	if err != nil {
		t.Fatal(err)
	}
	got := c.ChartRenderings(render.Target{Kind: render.Helm, Dir: "charts/etl", KubeVersion: "1.31"})
	want := []render.Target{
		{Kind: render.Helm, Dir: "charts/etl", KubeVersion: "1.31", Environment: "prod", Namespace: "batch", ReleaseName: "etl-prod",
			Values: []string{"env/etl-extra.yaml", "charts/etl/values-prod.yaml"}, Set: []string{"replicas=2"}},
		{Kind: render.Helm, Dir: "charts/etl", KubeVersion: "1.31", Environment: "staging", Namespace: "batch-staging",
			Values: []string{"env/etl-extra.yaml"}, Set: []string{"replicas=2", "image.tag=rc"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("renderings (-want +got):\n%s", diff)
	}
	if got := c.ChartOfValuesFile("charts/etl/values-prod.yaml"); got != "charts/etl" {
		t.Errorf("ChartOfValuesFile of an environment's values file = %q, want charts/etl", got)
	}
}

// TestChartEnvironmentsErrors: mistakes under environments are errors at
// their line, as under the chart.
func TestChartEnvironmentsErrors(t *testing.T) {
	root := chartRepo(t)
	t.Chdir(root)
	for conf, want := range map[string]string{
		"charts:\n  charts/etl:\n    environments:\n      prod:\n        values: [nope.yaml]\n": `.meshbatch.yaml:5:18: charts["charts/etl"].environments.prod.values[0]: values file nope.yaml not found`,
		"charts:\n  charts/etl:\n    environments:\n      prod:\n        valus: [x.yaml]\n":     `.meshbatch.yaml:5:9: in charts["charts/etl"].environments.prod: unknown key "valus" (did you mean "values"?)`,
		"charts:\n  charts/etl:\n    environments: {}\n":                                        `.meshbatch.yaml:3:5: charts["charts/etl"].environments: no environment`,
		"charts:\n  charts/etl:\n    environments:\n      \"prod env\": {}\n":                   `.meshbatch.yaml:4:7: charts["charts/etl"].environments.prod env: environment name "prod env": use letters`,
		"charts:\n  charts/etl:\n    environments: [prod, staging]\n":                           `.meshbatch.yaml:3:19: charts["charts/etl"].environments: expected a mapping, found a list`,
		"charts:\n  charts/etl:\n    environments:\n      prod: {}\n      prod: {}\n":           `.meshbatch.yaml:5:7: charts["charts/etl"].environments.prod: duplicate key`,
	} {
		_, err := Parse(".meshbatch.yaml", root, []byte(conf))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config\n%s\nerror %v, want it to contain %q", conf, err, want)
		}
	}
}

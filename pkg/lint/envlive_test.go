package lint_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/render/engine"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// writeTree writes files (slash path: content) under a new directory and
// returns it.
func writeTree(t *testing.T, files map[string]string) string {
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

// onePage serves docs as one page, then io.EOF.
func onePage(docs ...string) func([]byte) ([]byte, error) {
	done := false
	return func(buf []byte) ([]byte, error) {
		if done {
			return nil, io.EOF
		}
		done = true
		page := buf[:0]
		for _, d := range docs {
			page = append(page, "---\n"+d+"\n"...)
		}
		return page, nil
	}
}

// cronChart renders CronJob batch/nightly on the schedule of its values.
var cronChart = map[string]string{
	"charts/cron/Chart.yaml":  "apiVersion: v2\nname: cron\nversion: 0.1.0\n",
	"charts/cron/values.yaml": "schedule: \"0 1 * * *\"\n",
	"charts/cron/templates/cronjob.yaml": `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: batch
spec:
  schedule: {{ .Values.schedule | quote }}
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: app
              image: etl:2
`,
	// Three environments of the chart: prod and staging keep the
	// cluster's schedule, hourly changes it.
	".meshbatch.yaml": `charts:
  charts/cron:
    environments:
      prod: {}
      staging: {}
      hourly:
        set: {schedule: "0 * * * *"}
`,
}

// TestEveryEnvironmentTakesTheLiveStatus: with a cluster and a chart
// rendered for several environments, every environment's copy of the
// cluster's CronJob is judged by the cluster's status (it has not run
// for ten days: MB703 in prod and in staging), but for the environment
// whose schedule differs from the cluster's, which is said, in every
// residency.
func TestEveryEnvironmentTakesTheLiveStatus(t *testing.T) {
	t.Chdir(writeTree(t, cronChart))
	cfg, err := config.Load(".meshbatch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	live := []string{
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"batch"}}`,
		`{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"batch","uid":"u1"},"spec":{"schedule":"0 1 * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}},"status":{"lastScheduleTime":"2026-11-26T01:00:00Z"}}`,
	}
	for name, r := range map[string]lint.Residency{"default": {}, "release all": lint.ReleaseAll, "keep all": {KeepAll: true}} {
		t.Run(name, func(t *testing.T) {
			res, err := lint.Run(context.Background(), []string{"charts/cron"}, lint.Options{
				Rules:     []*rules.Rule{checks.CronJobStalled},
				Render:    lint.RenderOptions{Renderer: engine.Engine{}, Configure: cfg.ChartRenderings},
				Live:      &lint.LiveSource{Context: "prod-eu", Next: onePage(live...), SpoolDir: t.TempDir()},
				Residency: r,
				Workers:   2,
				Now:       time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC),
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
				got = append(got, fmt.Sprintf("%s %s %s %s", f.RuleID, f.Object, f.File, env))
			}
			want := []string{
				"MB703 CronJob batch/nightly charts/cron/templates/cronjob.yaml prod",
				"MB703 CronJob batch/nightly charts/cron/templates/cronjob.yaml staging",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if !slices.ContainsFunc(res.Notices, func(n string) bool {
				return strings.Contains(n, "for hourly") && strings.Contains(n, "status of cluster prod-eu was left out")
			}) {
				t.Errorf("notices %q do not say hourly's CronJob was judged without the cluster's status", res.Notices)
			}
			if len(res.InputErrors) > 0 {
				t.Errorf("input errors: %v", res.InputErrors)
			}
		})
	}
}

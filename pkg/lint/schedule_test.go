package lint_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestZoneInScheduleFollowsKubernetesVersion: the API server refuses TZ in
// a new CronJob's schedule from Kubernetes 1.29 (kubernetes#116252) and
// takes it with a warning before, so MB001 is an error unless the facts
// name an older API server; what every version refuses (day of week 7,
// a TZ beside spec.timeZone) stays an error whatever the version.
func TestZoneInScheduleFollowsKubernetesVersion(t *testing.T) {
	t.Chdir(writeTree(t, map[string]string{"cron.yaml": `apiVersion: batch/v1
kind: CronJob
metadata: {name: berlin, namespace: batch}
spec:
  schedule: TZ=Europe/Berlin 0 2 * * *
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: etl, image: registry.example.com/etl:1.4.2}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: sunday, namespace: batch}
spec:
  schedule: "0 2 * * 7"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: etl, image: registry.example.com/etl:1.4.2}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: both, namespace: batch}
spec:
  schedule: TZ=UTC 0 2 * * *
  timeZone: Europe/Berlin
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: etl, image: registry.example.com/etl:1.4.2}]
`}))
	for _, tc := range []struct {
		kubernetes string
		want       []string
	}{
		{"", []string{"5 error", "17 error", "29 error"}},
		{"1.29", []string{"5 error", "17 error", "29 error"}},
		// before 1.29 a TZ is taken, but never beside spec.timeZone
		{"1.28", []string{"5 warning: Kubernetes 1.28, still takes it with a warning", "17 error", "29 error"}},
	} {
		k, err := mesh.ParseVersion(tc.kubernetes)
		if err != nil {
			t.Fatal(err)
		}
		res, err := lint.Run(context.Background(), []string{"cron.yaml"}, lint.Options{
			Rules: []*rules.Rule{rules.InvalidInput},
			Facts: mesh.Facts{KubernetesVersion: k},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for f := range res.Findings.All() {
			s := fmt.Sprintf("%d %s", f.Line, f.Severity)
			if _, note, ok := strings.Cut(f.Message, "the facts' API server, "); ok {
				s += ": " + strings.TrimSuffix(note, ")")
			}
			got = append(got, s)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("kubernetes %q: findings (-want +got):\n%s", tc.kubernetes, diff)
		}
	}
}

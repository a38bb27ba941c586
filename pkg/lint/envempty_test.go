package lint_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/lint"
	mbrender "github.com/meshbatch/meshbatch/pkg/render"
	"github.com/meshbatch/meshbatch/pkg/render/engine"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestEnvironmentRenderingNothing: an environment whose chart renders no
// document is still an environment the plain files are checked with.
// Prod alone renders the Sidecar that scopes the plain file's Job: MB304
// fires with staging, which renders nothing, and names it.
func TestEnvironmentRenderingNothing(t *testing.T) {
	t.Chdir(writeTree(t, map[string]string{
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
	res, err := lint.Run(context.Background(), []string{"."}, lint.Options{
		Rules: []*rules.Rule{checks.SidecarScopeMissing},
		Render: lint.RenderOptions{Renderer: engine.Engine{}, Configure: func(t mbrender.Target) []mbrender.Target {
			prod, staging := t, t
			prod.Environment, prod.Set = "prod", []string{"sidecar=true"}
			staging.Environment = "staging"
			return []mbrender.Target{prod, staging}
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for f := range res.Findings.All() {
		got = append(got, f.RuleID+" "+f.File+" "+f.Object.String()+" found with "+strings.Join(f.Environments, ",")+":"+
			strings.TrimPrefix(f.Message, f.MessageWithoutEnvironments()))
	}
	want := []string{"MB304 job.yaml Job batch/etl found with staging: [environment staging]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

package checks_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// agreementInput has one classic Job without a deadline or a quit call per
// way of knowing its injection; the names say what the rules must make of
// it.
const agreementInput = `apiVersion: v1
kind: Namespace
metadata: {name: labelled, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: unlabelled}
---
apiVersion: batch/v1
kind: Job
metadata: {name: injected-by-namespace, namespace: labelled}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: app, image: app}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: injected-by-label, namespace: elsewhere}
spec:
  template:
    metadata: {labels: {sidecar.istio.io/inject: "true"}}
    spec:
      restartPolicy: Never
      containers: [{name: app, image: app}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: assumed-from-annotation, namespace: elsewhere}
spec:
  template:
    metadata: {annotations: {sidecar.istio.io/proxyCPU: 100m}}
    spec:
      restartPolicy: Never
      containers: [{name: app, image: app}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: possible-only, namespace: elsewhere}
spec:
  schedule: "@hourly"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: app, image: app}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: not-injected, namespace: unlabelled}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: app, image: app}]
`

// TestLifecycleRulesAgreeOnInjection holds MB101, MB104 and MB105 to one
// reading of injection (rules.PodMesh.Injected): where one assumes a
// sidecar, so do the others, and a sidecar that is only possible (no
// mesh intent, namespace unknown) is at most an MB101 info.
func TestLifecycleRulesAgreeOnInjection(t *testing.T) {
	file := filepath.Join(t.TempDir(), "jobs.yaml")
	if err := os.WriteFile(file, []byte(agreementInput), 0o600); err != nil {
		t.Fatal(err)
	}
	var selected []*rules.Rule
	for _, id := range []string{"MB101", "MB104", "MB105"} {
		selected = append(selected, checks.Lookup(id))
	}
	for _, facts := range []mesh.Facts{{}, {IstioVersion: mesh.Version{Major: 1, Minor: 22}, KubernetesVersion: mesh.Version{Major: 1, Minor: 30}}} {
		res, err := lint.Run(context.Background(), []string{file}, lint.Options{Facts: facts, Rules: selected})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]map[string]rules.Severity{} // object name -> rule -> severity
		for f := range res.Findings.All() {
			if got[f.Object.Name] == nil {
				got[f.Object.Name] = map[string]rules.Severity{}
			}
			got[f.Object.Name][f.RuleID] = f.Severity
		}
		for _, name := range []string{"injected-by-namespace", "injected-by-label", "assumed-from-annotation"} {
			if got[name]["MB101"] < rules.Warning || got[name]["MB105"] == 0 {
				t.Errorf("Istio %s: %s: want MB101 at warning or above and MB105, got %v", facts.IstioVersion, name, got[name])
			}
		}
		if g := got["possible-only"]; g["MB101"] != rules.Info || len(g) != 1 {
			t.Errorf("Istio %s: possible-only: want only an MB101 info, got %v", facts.IstioVersion, g)
		}
		if g := got["not-injected"]; len(g) != 0 {
			t.Errorf("Istio %s: not-injected: want nothing, got %v", facts.IstioVersion, g)
		}
	}
}

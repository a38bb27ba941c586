package checks_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// quotedValues plants values in typographic quotes (“false”) at the places
// Istio compares a label or annotation value, each where a rule's message
// reads it.
const quotedValues = `apiVersion: v1
kind: Namespace
metadata:
  name: jobs
  labels: {istio-injection: “enabled”}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: db}
spec: {mtls: {mode: STRICT}}
---
apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: db}
spec: {selector: {app: postgres}, ports: [{name: tcp-postgres, port: 5432}]}
---
# MB501: the namespace label is not "enabled", so no sidecar.
apiVersion: batch/v1
kind: Job
metadata: {name: namespace-label, namespace: jobs}
spec:
  activeDeadlineSeconds: 600
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
          env: [{name: DATABASE_URL, value: "postgres://postgres.db.svc.cluster.local:5432/orders"}]
---
# MB206: the pod label is not "true".
apiVersion: batch/v1
kind: Job
metadata: {name: pod-label, namespace: jobs}
spec:
  activeDeadlineSeconds: 600
  template:
    metadata:
      labels: {sidecar.istio.io/inject: “true”}
    spec:
      restartPolicy: Never
      containers: [{name: etl, image: registry.example.com/etl:1.4.2}]
---
# MB202: nativeSidecar is not "false", so Istio 1.28 injects a native sidecar.
apiVersion: batch/v1
kind: Job
metadata: {name: native-annotation, namespace: batch}
spec:
  activeDeadlineSeconds: 600
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        sidecar.istio.io/nativeSidecar: “false”
        proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
    spec:
      restartPolicy: Never
      containers: [{name: etl, image: registry.example.com/etl:1.4.2}]
---
# MB602: the opt-out label is not "false", so the entry is not opted out.
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: pg
  namespace: batch
  labels: {networking.istio.io/enable-autoallocate-ip: ‘false’}
spec:
  hosts: [pg.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 5432, name: tcp-postgres, protocol: TCP}]
`

// TestTypographicQuotesAreNamed: wherever a value in typographic quotes
// decides a verdict, the message says the quotes are part of the value.
func TestTypographicQuotesAreNamed(t *testing.T) {
	file := filepath.Join(t.TempDir(), "quoted.yaml")
	if err := os.WriteFile(file, []byte(quotedValues), 0o644); err != nil {
		t.Fatal(err)
	}
	facts := lint.Options{}.Facts
	facts.IstioVersion, facts.KubernetesVersion = mesh.Version{Major: 1, Minor: 28}, mesh.Version{Major: 1, Minor: 31}
	for _, mode := range []lint.Residency{{}, lint.ReleaseAll} {
		res, err := lint.Run(context.Background(), []string{file}, lint.Options{Facts: facts, Residency: mode})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []struct{ rule, object, key string }{
			{"MB501", "Job jobs/namespace-label", "istio-injection of namespace jobs is “enabled”"},
			{"MB206", "Job jobs/pod-label", "the label is “true”"},
			{"MB202", "Job batch/native-annotation", "sidecar.istio.io/nativeSidecar is “false”"},
			{"MB602", "ServiceEntry batch/pg", "enable-autoallocate-ip is ‘false’"},
		} {
			found := false
			for f := range res.Findings.All() {
				if f.RuleID == want.rule && f.Object.String() == want.object {
					found = found || strings.Contains(f.Message, want.key+" in typographic quotes")
				}
			}
			if !found {
				t.Errorf("%+v: no %s on %s says %q is in typographic quotes; findings:\n%v", mode, want.rule, want.object, want.key, res.Findings)
			}
		}
	}
}

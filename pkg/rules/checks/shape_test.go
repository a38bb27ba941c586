package checks

import (
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestGeneratedShapeLintsClean lints the object shapes `meshbatch generate`
// agreed to emit (in-mesh destination, external HTTPS API with TLS
// origination, external Postgres over TCP) with the mesh rules: no warning
// and no error. pkg/generate's invariant test checks the real output.
func TestGeneratedShapeLintsClean(t *testing.T) {
	objs, problems := manifest.ReadFile("in.yaml", []byte(generatedShape), manifest.Limits{})
	if len(problems) > 0 {
		t.Fatalf("bad test input: %v", problems)
	}
	ix := rules.NewIndex(objs)
	facts := mesh.Facts{IstioVersion: mesh.Version{Major: 1, Minor: 28}, KubernetesVersion: mesh.Version{Major: 1, Minor: 31}, TrustDomain: "cluster.local"}
	for _, r := range All() {
		if r.ID < "MB4" { // the shape's Job is not a whole workload; pkg/generate's invariant test lints whole ones
			continue
		}
		r.Check(rules.NewPass(r, ix, facts, false, func(d rules.Diagnostic) {
			if d.Severity >= rules.Warning {
				t.Errorf("%s %s on %s %s: %s", d.Rule.ID, d.Severity, d.Object.Ref(), d.Path, d.Message)
			}
		}))
	}
}

const generatedShape = `apiVersion: v1
kind: Namespace
metadata:
  name: batch
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: etl, namespace: batch}
automountServiceAccountToken: false
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: batch}
spec:
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: etl-to-postgres
  namespace: database
  annotations: {meshbatch.dev/job: batch/etl}
spec:
  selector:
    matchLabels: {app: postgres}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/batch/sa/etl"]
      to:
        - operation:
            ports: ["5432"]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: etl-postgres, namespace: batch}
spec:
  host: postgres.database.svc.cluster.local
  exportTo: ["."]
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: etl-rates, namespace: batch}
spec:
  hosts: [api.exchangerate.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  exportTo: ["."]
  ports:
    - {number: 80, name: http, protocol: HTTP}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: etl-rates, namespace: batch}
spec:
  host: api.exchangerate.example.com
  exportTo: ["."]
  trafficPolicy:
    portLevelSettings:
      - port: {number: 80}
        tls:
          mode: SIMPLE
          sni: api.exchangerate.example.com
          subjectAltNames: [api.exchangerate.example.com]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: etl-warehouse, namespace: batch}
spec:
  hosts: [warehouse.db.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  exportTo: ["."]
  ports:
    - {number: 5432, name: tcp-postgres, protocol: TCP}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: etl, namespace: batch}
spec:
  workloadSelector:
    labels: {meshbatch.dev/job: etl}
  egress:
    - hosts:
        - ./api.exchangerate.example.com
        - ./warehouse.db.example.com
        - database/postgres.database.svc.cluster.local
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  activeDeadlineSeconds: 7200
  template:
    metadata:
      labels:
        meshbatch.dev/job: etl
        sidecar.istio.io/inject: "true"
      annotations:
        sidecar.istio.io/nativeSidecar: "true"
        proxy.istio.io/config: '{"proxyMetadata": {"SECRET_TTL": "48h", "ISTIO_META_DNS_CAPTURE": "true", "ISTIO_META_DNS_AUTO_ALLOCATE": "true"}}'
    spec:
      serviceAccountName: etl
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
          env:
            - {name: DATABASE_URL, value: "postgres://postgres.database.svc.cluster.local:5432/orders?sslmode=verify-full"}
            - {name: RATES_URL, value: "http://api.exchangerate.example.com/v1/latest"}
            - {name: WAREHOUSE_HOST, value: warehouse.db.example.com}
            - {name: WAREHOUSE_PORT, value: "5432"}
`

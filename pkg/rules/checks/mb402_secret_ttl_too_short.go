package checks

import (
	"time"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// minSecretTTL is the shortest SECRET_TTL the rule accepts without a
// warning: rotation happens at half the lifetime, so 1h means a CSR every
// 30 minutes per pod.
const minSecretTTL = time.Hour

// SecretTTLTooShort flags certificate lifetimes so short that rotation
// becomes a load and reliability problem of its own.
var SecretTTLTooShort = &rules.Rule{
	ID:       "MB402",
	Slug:     "secret-ttl-too-short",
	Severity: rules.Warning,
	Summary:  "SECRET_TTL is shorter than an hour, so the proxy renews its certificate every few minutes",
	Rationale: "pilot-agent renews its workload certificate when SECRET_GRACE_PERIOD_RATIO (0.5) of the lifetime " +
		"remains, so a SECRET_TTL of 10m means a CSR to istiod every 5 minutes from every pod, and a control-plane " +
		"hiccup of a few minutes leaves pods with expired certificates and failing mTLS. Very short TTLs have also " +
		"exposed rotation bugs (istio/istio#21239, #26682). A short lifetime does narrow one risk: a stolen certificate " +
		"and its key authenticate as the workload until they expire (the pod's token is needed only to request the next " +
		"one). Below an hour that gain is small next to the renewal load and the outage risk; a mesh that needs it " +
		"should shorten the lifetime with care, not per Job. The one-hour threshold is meshbatch's choice, not Istio's.",
	Remediation: "Set SECRET_TTL to 1h or more (the default 24h suits almost every Job), or remove it.",
	Kinds:       []string{"Job", "CronJob", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio security/pkg/nodeagent/cache/secretcache.go (rotateTime, SECRET_GRACE_PERIOD_RATIO)",
		"istio/istio#21239, #26682",
		"istio/istio security/pkg/server/ca/server.go@1.25.0 (CreateCertificate: the token authenticates a request for a new certificate, not the use of an issued one)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"SECRET_TTL": "10m"}}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"SECRET_TTL": "12h"}}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkSecretTTLTooShort,
}

func checkSecretTTLTooShort(p *rules.Pass) {
	for _, w := range p.Index.Workloads {
		if p.Index.HasSidecar(w) == mesh.No {
			continue
		}
		for _, s := range w.SecretTTLSettings() {
			d, err := time.ParseDuration(s.Raw)
			if err != nil || d <= 0 || d >= minSecretTTL {
				continue
			}
			p.Reportf(w.Object, s.Path,
				"%s requests workload certificates for only %s (%s): the proxy asks istiod for a new one every %s, "+
					"and an istiod outage longer than that breaks its mTLS",
				w.Object.Ref(), fmtDuration(d), s.Where, fmtDuration(d/2))
		}
	}
}

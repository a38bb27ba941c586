package checks

import (
	"time"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// SecretTTLExceedsMax catches the "fix" for long jobs that makes things
// worse: asking for a workload certificate that outlives what istiod signs.
var SecretTTLExceedsMax = &rules.Rule{
	ID:       "MB401",
	Slug:     "secret-ttl-exceeds-max",
	Severity: rules.Error,
	Summary:  "SECRET_TTL asks for a workload certificate longer than istiod's MAX_WORKLOAD_CERT_TTL",
	Rationale: "The lifetime of a workload certificate is SECRET_TTL, the TTL pilot-agent requests in every CSR " +
		"(default 24h; set per pod with proxy.istio.io/config proxyMetadata, or mesh-wide in " +
		"meshConfig.defaultConfig.proxyMetadata). istiod's built-in CA caps it with MAX_WORKLOAD_CERT_TTL " +
		"(default 90 days): a CSR that asks for more is rejected with \"requested TTL ... is greater than the max " +
		"allowed TTL\", not shortened. The agent never gets a certificate, the proxy never becomes ready, and with " +
		"holdApplicationUntilProxyStarts or a native sidecar the Job never starts its app. Long Jobs do not need long " +
		"certificates: the agent rotates the certificate at about half its lifetime for as long as the pod runs. " +
		"When --max-cert-ttl is not given, the rule assumes Istio's default of 90 days, which most meshes keep, and still " +
		"reports an error: a proxy that never becomes ready costs more than stating the fact. " +
		"External CAs (ISTIO_META_CERT_SIGNER, istio-csr, cert-manager) have limits of their own.",
	Remediation: "Lower SECRET_TTL to at most istiod's MAX_WORKLOAD_CERT_TTL (90 days by default), or leave it at the 24h " +
		"default and rely on rotation; raise MAX_WORKLOAD_CERT_TTL on istiod only if a policy really requires longer certificates.",
	Kinds: []string{"Job", "CronJob", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio security/pkg/pki/ca/ca.go (requested TTL is greater than the max allowed TTL)",
		"istio/istio pilot/pkg/bootstrap/istio_ca.go (MAX_WORKLOAD_CERT_TTL, default 90 days)",
		"istio/istio pilot/cmd/pilot-agent/options/options.go (SECRET_TTL, default 24h)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"SECRET_TTL": "4320h"}}'
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
        proxy.istio.io/config: '{"proxyMetadata": {"SECRET_TTL": "48h"}}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkSecretTTLExceedsMax,
}

func checkSecretTTLExceedsMax(p *rules.Pass) {
	maxTTL := p.Facts.MaxTTL()
	for _, w := range p.Index.Workloads {
		if p.Index.HasSidecar(w) == mesh.No {
			continue // MB404 says the setting does nothing here
		}
		for _, s := range w.SecretTTLSettings() {
			d, err := time.ParseDuration(s.Raw)
			if err != nil || d <= maxTTL {
				continue
			}
			if p.Facts.MaxCertTTL == 0 {
				// Not lowered: most meshes keep the default, and a proxy that
				// never becomes ready stops the Job.
				p.Reportf(w.Object, s.Path,
					"%s requests workload certificates for %s (%s), more than Istio's default MAX_WORKLOAD_CERT_TTL of %s: "+
						"istiod rejects every CSR and the proxy never becomes ready (assumed istiod keeps the default; state "+
						"its MAX_WORKLOAD_CERT_TTL with --max-cert-ttl or facts.maxCertTTL in .meshbatch.yaml)",
					w.Object.Ref(), fmtDuration(d), s.Where, fmtDuration(maxTTL))
				continue
			}
			p.Reportf(w.Object, s.Path,
				"%s requests workload certificates for %s (%s), more than istiod's MAX_WORKLOAD_CERT_TTL of %s: "+
					"istiod rejects every CSR (\"requested TTL is greater than the max allowed TTL\") and the proxy never becomes ready",
				w.Object.Ref(), fmtDuration(d), s.Where, fmtDuration(maxTTL))
		}
	}
}

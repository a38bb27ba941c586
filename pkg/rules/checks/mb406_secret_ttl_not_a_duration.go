package checks

import (
	"time"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// SecretTTLNotADuration catches SECRET_TTL values pilot-agent cannot read.
// It is not in the domain catalogue: "90d", the way Istio's docs write
// lifetimes, is the natural thing to type and is silently ignored.
var SecretTTLNotADuration = &rules.Rule{
	ID:       "MB406",
	Slug:     "secret-ttl-not-a-duration",
	Severity: rules.Warning,
	Summary:  "SECRET_TTL is not a positive Go duration, so the proxy silently uses the 24h default",
	Rationale: "pilot-agent reads SECRET_TTL with Go's time.ParseDuration. A value it cannot parse (\"90d\", \"2 days\", " +
		"\"86400\") only logs \"Invalid environment variable value ... defaulting to 24h0m0s\" in the proxy's log, and " +
		"the certificate gets the default lifetime: the setting looks applied and is not. A zero or negative value is " +
		"sent as a non-positive TTL, which istiod replaces with DEFAULT_WORKLOAD_CERT_TTL (also 24h by default). " +
		"Go durations have no day unit: write 2160h for 90 days.",
	Remediation: "Write SECRET_TTL as a Go duration with hours, minutes or seconds, for example \"48h\" or \"2160h\" (90 days), or remove it.",
	Kinds:       []string{"Job", "CronJob", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pkg/env/var.go (DurationVar.Lookup: invalid value, defaulting)",
		"istio/istio security/pkg/pki/ca/ca.go (non-positive TTL gets the default)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"SECRET_TTL": "90d"}}'
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
        proxy.istio.io/config: '{"proxyMetadata": {"SECRET_TTL": "2160h"}}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkSecretTTLNotADuration,
}

func checkSecretTTLNotADuration(p *rules.Pass) {
	for _, w := range p.Index.Workloads {
		if p.Index.HasSidecar(w) == mesh.No {
			continue
		}
		for _, s := range w.SecretTTLSettings() {
			d, err := time.ParseDuration(s.Raw)
			switch {
			case err != nil:
				hint := ""
				if pd, perr := mesh.ParseDuration(s.Raw); perr == nil && pd > 0 {
					hint = " (write " + goDuration(pd) + ")"
				}
				p.Reportf(w.Object, s.Path,
					"%s sets %s to %q, which is not a Go duration%s: pilot-agent logs a warning and requests the default 24h",
					w.Object.Ref(), s.Where, s.Raw, hint)
			case d <= 0:
				p.Reportf(w.Object, s.Path,
					"%s sets %s to %q: istiod replaces a non-positive TTL with DEFAULT_WORKLOAD_CERT_TTL (24h by default)",
					w.Object.Ref(), s.Where, s.Raw)
			}
		}
	}
}

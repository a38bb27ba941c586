package checks

import (
	"time"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// LongJobCertRotation explains, for Jobs that may outlive their first
// certificate, what actually keeps mTLS working: rotation, not a longer
// lifetime.
var LongJobCertRotation = &rules.Rule{
	ID:       "MB403",
	Slug:     "long-job-cert-rotation",
	Severity: rules.Info,
	Summary:  "Job may run longer than its workload certificate lives and depends on rotation",
	Rationale: "A Job whose activeDeadlineSeconds exceeds its certificate lifetime (SECRET_TTL, default 24h; ztunnel's " +
		"own lifetime in ambient mode) does not fail when the first certificate expires: the proxy requests a new one " +
		"when about half of the lifetime remains (SECRET_GRACE_PERIOD_RATIO 0.5, with 1% jitter) and keeps doing so " +
		"while the pod runs. That needs istiod (port 15012) reachable from the pod at those moments; an outage longer " +
		"than the remaining half-life ends the Job's mTLS. Raising SECRET_TTL to cover the whole run is not needed and " +
		"is capped by MAX_WORKLOAD_CERT_TTL (see MB401). This note is informational.",
	Remediation: "Keep SECRET_TTL at its default and alert on istio_agent_cert_expiry_seconds (served on :15020/stats/prometheus) " +
		"dropping below a few hours for long-running Jobs.",
	Kinds: []string{"Job", "CronJob"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio security/pkg/nodeagent/cache/secretcache.go (rotateTime)",
		"istio/istio pilot/cmd/pilot-agent/options/options.go (SECRET_GRACE_PERIOD_RATIO)",
		"istio/istio security/pkg/nodeagent/cache/monitoring.go (cert_expiry_seconds)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: backfill, namespace: batch}
spec:
  activeDeadlineSeconds: 259200
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: backfill
          image: registry.example.com/backfill:3
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  activeDeadlineSeconds: 7200
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkLongJobCertRotation,
}

func checkLongJobCertRotation(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		if w.Job.ActiveDeadlineSeconds == nil || p.Index.InMesh(w) == mesh.No {
			continue
		}
		run := time.Duration(*w.Job.ActiveDeadlineSeconds) * time.Second
		ttl, why := effectiveSecretTTL(w)
		if ttl > p.Facts.MaxTTL() {
			continue // MB401: no certificate at all
		}
		if p.Index.Injection(w).Ambient && p.Index.HasSidecar(w) == mesh.No {
			ttl, why = 24*time.Hour, "ztunnel's default for ambient pods"
		}
		if run <= ttl {
			continue
		}
		p.Reportf(w.Object, w.JobPath+".activeDeadlineSeconds",
			"%s may run for %s but its workload certificate lives %s (%s): it stays valid only because the proxy renews it "+
				"about every %s, which needs istiod reachable; alert on istio_agent_cert_expiry_seconds",
			w.Object.Ref(), fmtDuration(run), fmtDuration(ttl), why, fmtDuration(ttl/2))
	}
}

package checks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// certPaths are where Istio writes workload certificates as files for
// applications: the legacy /etc/certs mount and the OUTPUT_CERTS default
// of the Prometheus integration.
var certPaths = []string{"/etc/certs", "/etc/istio-output-certs"}

// AppReadsCertFiles flags Jobs whose app reads Istio's certificate files,
// which rotate underneath an app that loaded them once.
var AppReadsCertFiles = &rules.Rule{
	ID:       "MB405",
	Slug:     "app-reads-cert-files",
	Severity: rules.Warning,
	Summary:  "App container reads Istio's workload certificate files, which rotate during a long Job",
	Rationale: "Some setups hand the proxy's certificate to the application as files: pilot-agent writes them where " +
		"proxyMetadata OUTPUT_CERTS points (the Prometheus integration mounts an istio-certs volume at " +
		"/etc/istio-output-certs), and older installs mounted /etc/certs. The agent replaces the files at every " +
		"rotation, about half-way through the certificate's lifetime (SECRET_TTL, 24h by default). An app that reads " +
		"them once at start keeps presenting the old certificate and fails its own TLS when it expires, typically in " +
		"the second half of a long Job. The rule warns when the Job may run past the first rotation " +
		"(activeDeadlineSeconds longer than half the lifetime) and notes it when the run time is unknown.",
	Remediation: "Let the sidecar do mTLS and have the app speak plaintext to it, or make the app reload the files when they " +
		"change; failing that, keep the Job's activeDeadlineSeconds below half of SECRET_TTL.",
	Kinds: []string{"Job", "CronJob"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pilot/cmd/pilot-agent/options/options.go (OUTPUT_CERTS)",
		"istio.io docs/ops/integrations/prometheus (istio-certs volume, /etc/istio-output-certs)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: export, namespace: batch}
spec:
  activeDeadlineSeconds: 172800
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"OUTPUT_CERTS": "/etc/istio-output-certs"}}'
        sidecar.istio.io/userVolumeMount: '[{"name": "istio-certs", "mountPath": "/etc/istio-output-certs"}]'
    spec:
      restartPolicy: Never
      containers:
        - name: export
          image: registry.example.com/export:2
          volumeMounts:
            - {name: istio-certs, mountPath: /etc/istio-output-certs, readOnly: true}
      volumes:
        - name: istio-certs
          emptyDir: {medium: Memory}
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: export, namespace: batch}
spec:
  activeDeadlineSeconds: 172800
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: export
          image: registry.example.com/export:2
`,
	Check: checkAppReadsCertFiles,
}

func checkAppReadsCertFiles(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		if p.Index.HasSidecar(w) == mesh.No {
			continue
		}
		paths := certPaths
		if out, ok := w.ProxyMetadata("OUTPUT_CERTS"); ok && out != "" {
			paths = append([]string{strings.TrimSuffix(out, "/")}, certPaths...)
		}
		ttl, _ := effectiveSecretTTL(w)
		for _, c := range w.Containers() {
			for i, m := range c.Container.VolumeMounts {
				mp := strings.TrimSuffix(m.MountPath, "/")
				if m.Name != "istio-certs" && !slices.Contains(paths, mp) {
					continue
				}
				path := fmt.Sprintf("%s.volumeMounts[%d]", c.Path, i)
				if w.Job.ActiveDeadlineSeconds == nil {
					p.ReportSeverityf(rules.Info, w.Object, path,
						"container %s of %s mounts Istio's workload certificate files at %s; they rotate about every %s, "+
							"and an app that read them at start keeps the old certificate (the Job sets no activeDeadlineSeconds, "+
							"so its run time is unknown)", c.Container.Name, w.Object.Ref(), m.MountPath, fmtDuration(ttl/2))
					continue
				}
				run := time.Duration(*w.Job.ActiveDeadlineSeconds) * time.Second
				if run <= ttl/2 {
					continue
				}
				p.Reportf(w.Object, path,
					"container %s of %s mounts Istio's workload certificate files at %s; they rotate about every %s while "+
						"the Job may run %s, and an app that read them at start keeps presenting the old certificate",
					c.Container.Name, w.Object.Ref(), m.MountPath, fmtDuration(ttl/2), fmtDuration(run))
			}
		}
	}
}

package checks

import (
	"strings"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// ExitOnZeroMisuse catches the popular wrong fix for MB101.
var ExitOnZeroMisuse = &rules.Rule{
	ID:       "MB107",
	Slug:     "exit-on-zero-misuse",
	Severity: rules.Warning,
	Summary:  "EXIT_ON_ZERO_ACTIVE_CONNECTIONS is relied on to end a Job's classic sidecar, which it cannot do",
	Rationale: "EXIT_ON_ZERO_ACTIVE_CONNECTIONS (pilot-agent, Istio 1.12+) only changes what the agent does after it " +
		"receives SIGTERM: instead of waiting the full terminationDrainDuration it exits as soon as Envoy has no active " +
		"connections. When a Job's app container exits, nothing sends the classic istio-proxy container SIGTERM (the pod " +
		"is not being deleted), so the variable never comes into play and the pod stays Running. Set on an app container " +
		"it does even less: pilot-agent reads its own environment, which comes from proxyMetadata.",
	Remediation: "Remove EXIT_ON_ZERO_ACTIVE_CONNECTIONS as a completion mechanism; use sidecar.istio.io/nativeSidecar: \"true\" (Istio 1.24+, Kubernetes 1.29+) or end the app with `curl -fsS -X POST http://127.0.0.1:15020/quitquitquit` (the message names another port where the pod moves pilot-agent's status port).",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pilot/cmd/pilot-agent/options/options.go (EXIT_ON_ZERO_ACTIVE_CONNECTIONS)",
		"istio/istio pkg/envoy/agent.go (exit paths: only the SIGTERM path drains)",
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml (proxyMetadata becomes istio-proxy env)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"EXIT_ON_ZERO_ACTIVE_CONNECTIONS": "true"}}'
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
        sidecar.istio.io/nativeSidecar: "true"
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkExitOnZeroMisuse,
}

const envExitOnZero = "EXIT_ON_ZERO_ACTIVE_CONNECTIONS"

func checkExitOnZeroMisuse(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if m.Classic() == mesh.No || m.Stops() {
			continue
		}
		// Not lowered when classic is only assumed: the pod may never
		// complete, and removing the variable costs nothing.
		s := p.Rule.Severity
		why := "nothing sends a Job's classic istio-proxy SIGTERM when the app exits, so the pod still never completes"
		if v, ok := w.ProxyMetadata(envExitOnZero); ok && truthy(v) {
			p.ReportSeverityf(s, w.Object, w.TemplateAnnotationPath(mesh.AnnotProxyConfig),
				"%s sets %s in proxyMetadata to end its sidecar, but the variable only shortens the drain after SIGTERM: %s%s%s",
				w.Object.Ref(), envExitOnZero, why, statusNote(w), assumed(m.Assumptions()))
		}
		if c, base := rules.ProxyOverride(w); c != nil {
			if i := envIndex(c, envExitOnZero); i >= 0 && truthy(c.Env[i].Value) {
				p.ReportSeverityf(s, w.Object, envPath(base, i),
					"%s sets %s on its istio-proxy container to end it, but the variable only shortens the drain after SIGTERM: %s%s%s",
					w.Object.Ref(), envExitOnZero, why, statusNote(w), assumed(m.Assumptions()))
			}
		}
		for _, c := range w.Containers() {
			if i := envIndex(c.Container, envExitOnZero); i >= 0 && truthy(c.Container.Env[i].Value) {
				p.ReportSeverityf(s, w.Object, envPath(c.Path, i),
					"%s sets %s on app container %s, where pilot-agent never reads it (it belongs in proxyMetadata), and "+
						"even there it only shortens the drain after SIGTERM: %s%s%s",
					w.Object.Ref(), envExitOnZero, c.Container.Name, why, statusNote(w), assumed(m.Assumptions()))
			}
		}
	}
}

// truthy reads a boolean environment value the way Go's strconv does.
func truthy(v string) bool {
	switch strings.ToLower(v) {
	case "1", "t", "true":
		return true
	}
	return false
}

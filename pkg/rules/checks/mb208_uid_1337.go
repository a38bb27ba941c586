package checks

import (
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// UID1337 catches app containers running as the proxy's user.
var UID1337 = &rules.Rule{
	ID:       "MB208",
	Slug:     "uid-1337",
	Severity: rules.Warning,
	Summary:  "An app container runs as UID 1337, whose traffic the sidecar does not intercept",
	Rationale: "Istio's iptables rules exempt traffic from UID 1337, the proxy's own user, so that Envoy's outbound " +
		"connections are not redirected back to itself. An app container running as 1337 (runAsUser on the container, " +
		"or on the pod without a container override) therefore bypasses its sidecar: its calls leave in plaintext with " +
		"no Istio identity, servers under STRICT mTLS refuse them, and egress policy does not apply. Istio's docs tell " +
		"apps not to use this UID; istioctl analyze reports it (IST0144) only for live Pods and Deployments, never for " +
		"Jobs. Init containers are not reported: running one as 1337 is the documented way to let it reach the network " +
		"before a classic proxy exists (MB203).",
	Remediation: "Run the app container as another UID; if the image needs a fixed user, pick any UID but 1337.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio.io content/en/docs/ops/deployment/application-requirements (UID 1337)",
		"istio/istio pkg/config/analysis/analyzers/deployment/pod.go (IST0144)",
		"istio/istio tools/istio-iptables (-u 1337 owner exemption)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      securityContext:
        runAsUser: 1337
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
    spec:
      restartPolicy: Never
      securityContext:
        runAsUser: 1000
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkUID1337,
}

func checkUID1337(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if !m.Relevant() {
			continue
		}
		podReported := false // the pod-level setting is reported once, container-level ones each
		for _, c := range w.Containers() {
			if c.Init {
				continue
			}
			uid, podLevel, ok := runAsUser(w, c)
			if !ok || uid != 1337 || (podLevel && podReported) {
				continue
			}
			podReported = podReported || podLevel
			_, path, _ := effectiveRunAsUser(w, c)
			var as []string
			if m.Injected() == mesh.Unknown {
				as = append(as, m.InjectionAssumption())
			}
			p.ReportSeverityf(sev(p.Rule, m.Sidecar() == mesh.Yes), w.Object, path,
				"%s: container %s runs as UID 1337, the proxy's own user, whose traffic the sidecar does not intercept: "+
					"its calls bypass mTLS and servers under STRICT mTLS refuse them%s",
				w.Object.Ref(), c.Container.Name, assumed(as))
		}
	}
}

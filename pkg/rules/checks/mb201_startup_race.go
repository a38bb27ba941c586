package checks

import (
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// StartupRace is the "connection refused" problem.
var StartupRace = &rules.Rule{
	ID:       "MB201",
	Slug:     "startup-race",
	Severity: rules.Warning,
	Summary:  "The app can start before its classic istio-proxy sidecar is ready and get connection refused",
	Rationale: "istio-init (or Istio CNI) redirects the pod's outbound traffic to the sidecar before any app container " +
		"starts, but a classic istio-proxy is an ordinary container that starts alongside the app: until Envoy has its " +
		"configuration and certificate, the app's first connections are refused or reset. A batch job usually connects " +
		"first thing and fails (istio/istio#11130, the most upvoted Istio issue). holdApplicationUntilProxyStarts makes " +
		"the injector start istio-proxy first and block the app containers until the proxy is ready; set it per pod with " +
		"proxy.istio.io/config or mesh-wide (Istio's default is false). Native sidecars (Kubernetes 1.29+) start and " +
		"become ready before the app by design and need nothing.",
	Remediation: "Annotate the pod template with proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}', or use sidecar.istio.io/nativeSidecar: \"true\" (Istio 1.24+, Kubernetes 1.29+); pass --hold-application when the mesh already holds apps.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio#11130, #29766",
		"istio.io content/en/docs/ops/common-problems/injection (holdApplicationUntilProxyStarts)",
		"istio/api mesh/v1alpha1/proxy.proto (holdApplicationUntilProxyStarts, default false)",
		"istio/istio pkg/kube/inject/webhook.go reorderPod (proxy first when holding)",
	},
	Bad: `# facts: istioVersion=1.22 kubernetesVersion=1.30 holdApplicationUntilProxyStarts=false
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
          command: ["/bin/sh", "-c", "/app/etl; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc"]
`,
	Good: `# facts: istioVersion=1.22 kubernetesVersion=1.30 holdApplicationUntilProxyStarts=false
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
          command: ["/bin/sh", "-c", "/app/etl; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc"]
`,
	Check: checkStartupRace,
}

func checkStartupRace(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if m.Classic() == mesh.No || !m.Relevant() || m.Wrapper || w.WaitsForProxy() {
			continue
		}
		hold := rules.HoldsApplication(p.Facts, w)
		if hold == mesh.Yes {
			continue
		}
		as := m.Assumptions()
		if hold == mesh.Unknown {
			as = append(as, "assumed the mesh-wide holdApplicationUntilProxyStarts is Istio's default, false")
		}
		path := m.FirstAppPath()
		setting := "nothing sets holdApplicationUntilProxyStarts"
		if _, _, pre := rules.InjectedProxy(w); pre {
			setting = "the injected istio-proxy container has no postStart \"pilot-agent wait\" hook"
		} else if _, ok := w.Template.Annotations[mesh.AnnotProxyConfig]; ok {
			path = w.TemplateAnnotationPath(mesh.AnnotProxyConfig)
			if pc, err := w.ProxyConfig(); err == nil && pc.GetHoldApplicationUntilProxyStarts() != nil {
				setting = "proxy.istio.io/config sets holdApplicationUntilProxyStarts: false"
			} else {
				setting = "proxy.istio.io/config does not set holdApplicationUntilProxyStarts"
			}
		}
		p.ReportSeverityf(sev(p.Rule, m.Classic() == mesh.Yes && hold == mesh.No), w.Object, path,
			"%s: the app can start before its classic istio-proxy sidecar is ready (%s), and its first connections, "+
				"already redirected to the proxy, are refused%s", w.Object.Ref(), setting, assumed(as))
	}
}

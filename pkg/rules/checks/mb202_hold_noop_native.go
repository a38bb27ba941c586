package checks

import (
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// HoldNoopNative points out a setting that does nothing.
var HoldNoopNative = &rules.Rule{
	ID:       "MB202",
	Slug:     "hold-noop-native",
	Severity: rules.Info,
	Summary:  "holdApplicationUntilProxyStarts is set on a pod whose native sidecar ignores it",
	Rationale: "With a native sidecar the injector ignores holdApplicationUntilProxyStarts (its template computes the " +
		"hold only when the sidecar is not native): Kubernetes starts the istio-proxy init container and waits for its " +
		"startupProbe before any app container, which is the ordering the setting used to fake. Keeping it suggests the " +
		"pod still depends on it, which matters to whoever removes the native sidecar later.",
	Remediation: "Remove holdApplicationUntilProxyStarts from proxy.istio.io/config when the pod uses a native sidecar, or keep it deliberately as a fallback for clusters without native sidecars.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml ($holdProxy)",
		"istio.io blog/2023/native-sidecars",
	},
	Bad: `# facts: istioVersion=1.26 kubernetesVersion=1.31
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        sidecar.istio.io/nativeSidecar: "true"
        proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `# facts: istioVersion=1.26 kubernetesVersion=1.31
apiVersion: batch/v1
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
	Check: checkHoldNoopNative,
}

func checkHoldNoopNative(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		pc, err := w.ProxyConfig()
		if err != nil || pc == nil || !pc.GetHoldApplicationUntilProxyStarts().GetValue() {
			continue
		}
		if _, _, pre := rules.InjectedProxy(w); pre {
			continue
		}
		m := rules.MeshOf(p, w)
		if m.Sidecar() == mesh.No || m.Native != mesh.Yes {
			continue
		}
		p.Reportf(w.Object, w.TemplateAnnotationPath(mesh.AnnotProxyConfig),
			"%s sets holdApplicationUntilProxyStarts, which has no effect with its native sidecar (%s): Kubernetes already "+
				"starts the proxy and waits for it before the app", w.Object.Ref(), m.NativeWhy)
	}
}

package checks

import (
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// ProxyMemoryUnset asks batch pods to size their proxy.
var ProxyMemoryUnset = &rules.Rule{
	ID:       "MB301",
	Slug:     "proxy-memory-unset",
	Severity: rules.Warning,
	Summary:  "Injected batch pod does not size its istio-proxy sidecar's memory",
	Rationale: "Without the sidecar.istio.io/proxyMemory and proxyMemoryLimit annotations the proxy gets the mesh-wide " +
		"defaults (Istio's chart: 128Mi request, 1Gi limit, 100m CPU request), sized for long-running services rather " +
		"than for the Job. Envoy's memory grows with the configuration istiod pushes to it (every service in the mesh " +
		"unless a Sidecar resource narrows it, MB304), so in a large mesh the proxy lives above its request: under node " +
		"memory pressure the kubelet evicts pods that exceed their requests first, and an evicted Job loses its run. " +
		"The other way round, a Job fanned out with high parallelism reserves the default request once per pod. The pod " +
		"template is the place to state what this Job's proxy needs; set all four resource annotations together (MB302).",
	Remediation: "Annotate the pod template with sidecar.istio.io/proxyCPU, proxyMemory, proxyCPULimit and proxyMemoryLimit, for example 50m, 128Mi, 500m and 256Mi, sized from the proxy's observed usage.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio manifests/charts/istio-control/istio-discovery/values.yaml (global.proxy.resources)",
		"istio/api annotation/annotations.yaml (sidecar.istio.io/proxyMemory, proxyMemoryLimit)",
		"istio/api networking/v1alpha3/sidecar.proto (prune configuration to reduce memory)",
		"kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction",
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
        sidecar.istio.io/proxyCPU: "50m"
        sidecar.istio.io/proxyMemory: "128Mi"
        sidecar.istio.io/proxyCPULimit: "500m"
        sidecar.istio.io/proxyMemoryLimit: "256Mi"
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkProxyMemoryUnset,
}

func checkProxyMemoryUnset(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if !m.Relevant() {
			continue
		}
		if _, _, pre := rules.InjectedProxy(w); pre {
			continue // the injected container states its resources
		}
		if c, _ := rules.ProxyOverride(w); c != nil && (!c.Resources.Requests.Memory().IsZero() || !c.Resources.Limits.Memory().IsZero()) {
			continue // sized through an istio-proxy container override
		}
		set := false
		for _, k := range mesh.ProxyResourceAnnotations {
			if _, ok := w.Template.Annotations[k]; ok {
				set = true
			}
		}
		if set {
			continue // partly set: MB302's case
		}
		var as []string
		if m.Injected() == mesh.Unknown {
			as = append(as, m.InjectionAssumption())
		}
		p.ReportSeverityf(sev(p.Rule, m.Sidecar() == mesh.Yes), w.Object, w.TemplateAnnotationPath(mesh.AnnotProxyMemory),
			"%s does not size its istio-proxy sidecar (no sidecar.istio.io/proxyMemory or proxyMemoryLimit), so the "+
				"proxy gets the mesh-wide defaults (Istio's chart: 128Mi request, 1Gi limit), which fit neither a large "+
				"mesh's config nor a Job fanned out to many pods%s", w.Object.Ref(), assumed(as))
	}
}

package checks

import (
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// ProxyResourcesInvalid checks the values of the proxy resource
// annotations.
var ProxyResourcesInvalid = &rules.Rule{
	ID:       "MB303",
	Slug:     "proxy-resources-invalid",
	Severity: rules.Error,
	Summary:  "A proxy resource annotation is not a valid quantity, or its limit is below its request",
	Rationale: "The injector copies sidecar.istio.io/proxyCPU, proxyMemory, proxyCPULimit and proxyMemoryLimit into the " +
		"istio-proxy container's resources. A value that is not a Kubernetes quantity (\"256MB\", \"0.5 cores\", \"1GiB\") " +
		"makes the injection fail and the webhook deny the pod; a limit below its request (proxyMemoryLimit: 128Mi with " +
		"proxyMemory: 256Mi) makes the API server reject the pod (\"must be less than or equal to memory limit\"). Either " +
		"way the Job controller cannot create pods and the Job never runs.",
	Remediation: "Use Kubernetes quantities (CPU: 100m, 0.5, 1; memory: 128Mi, 1Gi) and keep each limit at or above its request.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pkg/kube/inject/inject.go RunTemplate (the rendered sidecar must parse as a Pod, else injection fails)",
		"istioctl analyze IST0125 InvalidAnnotation (live pods only)",
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml (resources block)",
		"kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        sidecar.istio.io/proxyCPU: "50m"
        sidecar.istio.io/proxyMemory: "256MB"
        sidecar.istio.io/proxyCPULimit: "500m"
        sidecar.istio.io/proxyMemoryLimit: "512Mi"
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
        sidecar.istio.io/proxyMemory: "256Mi"
        sidecar.istio.io/proxyCPULimit: "500m"
        sidecar.istio.io/proxyMemoryLimit: "512Mi"
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkProxyResourcesInvalid,
}

// proxyResourceKeys are ProxyResourceAnnotations, in the same order, as an
// array that nothing can change.
var proxyResourceKeys = [4]string{mesh.AnnotProxyCPU, mesh.AnnotProxyMemory, mesh.AnnotProxyCPULimit, mesh.AnnotProxyMemLimit}

func checkProxyResourcesInvalid(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		a := w.Template.Annotations
		has := false
		for _, k := range mesh.ProxyResourceAnnotations {
			_, ok := a[k]
			has = has || ok
		}
		if !has {
			continue
		}
		m := rules.MeshOf(p, w)
		if m.Sidecar() == mesh.No {
			continue
		}
		// Not lowered when injection is only assumed: the annotations say
		// the author expects a sidecar, and an injected pod is denied.
		s := p.Rule.Severity
		var as []string
		if m.Injected() == mesh.Unknown {
			as = append(as, m.InjectionAssumption())
		}
		// the quantities that parse, by index in proxyResourceKeys
		var q [4]resource.Quantity
		var parsed [4]bool
		for i, k := range proxyResourceKeys {
			v, ok := a[k]
			if !ok {
				continue
			}
			n, err := resource.ParseQuantity(v)
			switch {
			case err != nil:
				p.ReportSeverityf(s, w.Object, w.TemplateAnnotationPath(k),
					"%s: %s is %q, which is not a Kubernetes quantity; the injection fails and every pod of the Job is "+
						"denied%s", w.Object.Ref(), k, v, assumed(as))
			case n.Sign() < 0:
				p.ReportSeverityf(s, w.Object, w.TemplateAnnotationPath(k),
					"%s: %s is negative (%q); the API server rejects the pod%s", w.Object.Ref(), k, v, assumed(as))
			default:
				q[i], parsed[i] = n, true
			}
		}
		for _, rl := range [2][2]int{{0, 2}, {1, 3}} { // CPU and its limit, memory and its limit
			r, l := rl[0], rl[1]
			if !parsed[r] || !parsed[l] || q[l].Cmp(q[r]) >= 0 {
				continue
			}
			pair := [2]string{proxyResourceKeys[r], proxyResourceKeys[l]}
			p.ReportSeverityf(s, w.Object, w.TemplateAnnotationPath(pair[1]),
				"%s: %s (%s) is below %s (%s); the API server rejects a container whose limit is below its request, "+
					"so the Job never gets a pod%s", w.Object.Ref(), pair[1], a[pair[1]], pair[0], a[pair[0]], assumed(as))
		}
	}
}

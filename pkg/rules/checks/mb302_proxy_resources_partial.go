package checks

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// ProxyResourcesPartial is the partial-override trap.
var ProxyResourcesPartial = &rules.Rule{
	ID:       "MB302",
	Slug:     "proxy-resources-partial",
	Severity: rules.Warning,
	Summary:  "Only some of the four proxy resource annotations are set, which drops the defaults of all four",
	Rationale: "Istio's injection template uses the mesh-wide default proxy resources only when none of " +
		"sidecar.istio.io/proxyCPU, proxyMemory, proxyCPULimit and proxyMemoryLimit is set. As soon as one is, the whole " +
		"default block is replaced by exactly the annotations given: setting only proxyMemory leaves the proxy with no " +
		"CPU request and no limits at all, so its memory is unbounded; setting only limits makes Kubernetes copy them into " +
		"the requests. A namespace ResourceQuota on limits then rejects the pods (\"must specify limits.memory\"), and a " +
		"LimitRange fills in its own defaults instead of Istio's. The same block applies to istio-init in older templates.",
	Remediation: "Set all four annotations together: sidecar.istio.io/proxyCPU, proxyMemory, proxyCPULimit and proxyMemoryLimit.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml (resources block)",
		"kubernetes.io/docs/concepts/configuration/manage-resources-containers (requests default to limits)",
		"kubernetes.io/docs/concepts/policy/resource-quotas",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        sidecar.istio.io/proxyMemory: "256Mi"
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
	Check: checkProxyResourcesPartial,
}

func checkProxyResourcesPartial(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		a := w.Template.Annotations
		set, missing := make([]string, 0, 4), make([]string, 0, 4) // on the stack
		for _, k := range mesh.ProxyResourceAnnotations {
			if _, ok := a[k]; ok {
				set = append(set, k)
			} else {
				missing = append(missing, strings.TrimPrefix(k, "sidecar.istio.io/"))
			}
		}
		if len(set) == 0 || len(missing) == 0 {
			continue
		}
		m := rules.MeshOf(p, w)
		if m.Sidecar() == mesh.No {
			continue
		}
		_, cpu := a[mesh.AnnotProxyCPU]
		_, mem := a[mesh.AnnotProxyMemory]
		_, cpuLim := a[mesh.AnnotProxyCPULimit]
		_, memLim := a[mesh.AnnotProxyMemLimit]
		var effects []string
		switch {
		case !cpu && !cpuLim:
			effects = append(effects, "no CPU request or limit")
		case !cpu:
			effects = append(effects, "a CPU request equal to the limit")
		case !cpuLim:
			effects = append(effects, "no CPU limit")
		}
		switch {
		case !mem && !memLim:
			effects = append(effects, "no memory request or limit")
		case !mem:
			effects = append(effects, "a memory request equal to the limit")
		case !memLim:
			effects = append(effects, "no memory limit (its memory is unbounded)")
		}
		var as []string
		if m.Injected() == mesh.Unknown {
			as = append(as, m.InjectionAssumption())
		}
		p.ReportSeverityf(sev(p.Rule, m.Sidecar() == mesh.Yes), w.Object, w.TemplateAnnotationPath(set[0]),
			"%s sets %s but not %s: any of the four replaces all of Istio's default proxy resources, so the proxy gets %s%s",
			w.Object.Ref(), strings.Join(set, ", "), strings.Join(missing, ", "), joinAnd(effects), assumed(as))
	}
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return fmt.Sprintf("%s and %s", strings.Join(s[:len(s)-1], ", "), s[len(s)-1])
}

package checks

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/meshbatch/meshbatch/pkg/manifest"
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
	AutoFix: "Adds the missing annotations to the pod template, keeping the values given: a missing request takes the " +
		"limit given (what the proxy gets today) or Istio's default (100m CPU, 128Mi memory), a missing limit Istio's " +
		"default (2000m CPU, 1024Mi memory) or the request when that is larger. No fix when a given value is not a quantity.",
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
		p.ReportSeverityFixf(rules.Offer{Description: "add the missing proxy resource annotations to the pod template", Build: func(ed *manifest.Editor) error {
			return completeProxyResources(ed, w)
		}}, sev(p.Rule, m.Sidecar() == mesh.Yes), w.Object, w.TemplateAnnotationPath(set[0]),
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

// Istio's default proxy resources (values.yaml global.proxy.resources),
// which the four annotations replace.
var proxyDefaults = map[string]string{
	mesh.AnnotProxyCPU: "100m", mesh.AnnotProxyCPULimit: "2000m",
	mesh.AnnotProxyMemory: "128Mi", mesh.AnnotProxyMemLimit: "1024Mi",
}

// completeProxyResources adds the missing proxy resource annotations: a
// missing request takes the limit given (what Kubernetes does with it
// today) or else Istio's default, a missing limit Istio's default or the
// request given when that is larger. The values given stay as written.
func completeProxyResources(ed *manifest.Editor, w *rules.Workload) error {
	a := w.Template.Annotations
	pairs := [][2]string{{mesh.AnnotProxyCPU, mesh.AnnotProxyCPULimit}, {mesh.AnnotProxyMemory, mesh.AnnotProxyMemLimit}}
	for _, pair := range pairs {
		req, hasReq := a[pair[0]]
		lim, hasLim := a[pair[1]]
		for _, v := range []struct {
			given bool
			val   string
		}{{hasReq, req}, {hasLim, lim}} {
			if _, err := resource.ParseQuantity(v.val); v.given && err != nil {
				return manifest.ErrNoEdit // MB303's to report: no value to build on
			}
		}
		if !hasReq {
			req = proxyDefaults[pair[0]]
			if hasLim {
				req = lim
			}
			if err := ed.Set(w.TemplateField("metadata.annotations"), pair[0], req); err != nil {
				return err
			}
		}
		if !hasLim {
			lim = proxyDefaults[pair[1]]
			if r, l := resource.MustParse(req), resource.MustParse(lim); r.Cmp(l) > 0 {
				lim = req
			}
			if err := ed.Set(w.TemplateField("metadata.annotations"), pair[1], lim); err != nil {
				return err
			}
		}
	}
	return nil
}

package checks

import (
	"slices"

	"github.com/meshbatch/meshbatch/pkg/istiovalid"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// InjectorAnnotationInvalid checks the values of the pod annotations the
// sidecar injector validates before it injects.
var InjectorAnnotationInvalid = &rules.Rule{
	ID:       "MB212",
	Slug:     "injector-annotation-invalid",
	Severity: rules.Error,
	Summary:  "A pod annotation the sidecar injector validates has a value it refuses, so the webhook denies the pod",
	Rationale: "Before it renders the sidecar, the injector checks the values of a fixed set of pod annotations " +
		"(validateAnnotations): sidecar.istio.io/interceptionMode must be REDIRECT, TPROXY or NONE; status.sidecar.istio.io/port " +
		"and the traffic.sidecar.istio.io port lists must be ports (\"*\" where the annotation allows it); the IP range lists " +
		"must be CIDRs (\"10.0.0.1\" without /32 is refused); the readiness annotations must be unsigned integers; " +
		"prometheus.istio.io/merge-metrics must be a boolean; the interface lists must be interface names. One bad value " +
		"fails the injection and the webhook denies the pod, so the Job controller cannot create any pod. istioctl analyze " +
		"says so only for pods already running (IST0125). The interface lists are checked from Istio 1.27.6, 1.28.4 " +
		"and 1.29 on: where --istio-version names an older release (or 1.27 or 1.28 without the patch) the finding is a " +
		"warning that newer Istio refuses the value. The proxy resource annotations are MB303's and " +
		"proxy.istio.io/config is MB204's.",
	Remediation: "Give the annotation a value of the form the finding names, e.g. traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.1/32\".",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pkg/kube/inject/validate.go (AnnotationValidation, validateAnnotations)",
		"istio/istio pkg/kube/inject/inject.go RunTemplate (an invalid annotation fails the injection)",
		"istio/istio pkg/util/net/ip.go (ValidateInterfaceNames)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        traffic.sidecar.istio.io/excludeOutboundIPRanges: "169.254.169.254"
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
        traffic.sidecar.istio.io/excludeOutboundIPRanges: "169.254.169.254/32"
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkInjectorAnnotations,
}

// ownedElsewhere are the checked annotations other rules report.
var ownedElsewhere = []string{
	mesh.AnnotProxyConfig,                                                                                                              // MB204
	"sidecar.istio.io/proxyCPU", "sidecar.istio.io/proxyMemory", "sidecar.istio.io/proxyCPULimit", "sidecar.istio.io/proxyMemoryLimit", // MB303
}

func checkInjectorAnnotations(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		anns := w.Template.Annotations
		if len(anns) == 0 {
			continue
		}
		var m rules.PodMesh
		known := false
		checked := sortedKeysWhere(anns, func(name string) bool {
			return istiovalid.ChecksPodAnnotation(name) && !slices.Contains(ownedElsewhere, name)
		})
		for _, name := range checked {
			err := istiovalid.PodAnnotationValue(name, anns[name])
			if err == nil {
				continue
			}
			if !known {
				m, known = rules.MeshOf(p, w), true
			}
			if m.Sidecar() == mesh.No {
				break
			}
			var as []string
			if m.Sidecar() != mesh.Yes {
				as = append(as, "assumed injected: "+m.Inj.Reason)
			}
			if v := p.Facts.IstioVersion; v.Known() && v.Major == 1 {
				if checked, since, exact := injectorChecks(name, v); !checked {
					accepts := "may accept it"
					if exact {
						accepts = "accepts it"
					}
					p.ReportSeverityf(rules.Warning, w.Object, w.TemplateAnnotationPath(name),
						"%s: newer Istio's sidecar injector (%s) refuses the annotation %s: %v; istiod %s %s "+
							"(releases before those do not check it), but once upgraded the webhook denies every pod of the Job%s",
						w.Object.Ref(), since, name, err, v, accepts, assumed(as))
					continue
				}
			}
			p.Reportf(w.Object, w.TemplateAnnotationPath(name),
				"%s: the sidecar injector refuses the annotation %s: %v; the webhook denies every pod of the Job%s",
				w.Object.Ref(), name, err, assumed(as))
		}
	}
}

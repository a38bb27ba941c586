package checks

import (
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// AmbientSidecarMix catches pods enrolled in ambient that still get a
// sidecar, or carry sidecar settings that ambient ignores.
var AmbientSidecarMix = &rules.Rule{
	ID:       "MB209",
	Slug:     "ambient-sidecar-mix",
	Severity: rules.Warning,
	Summary:  "A batch pod is enrolled in ambient mode but also gets a sidecar, or carries sidecar-only settings",
	Rationale: "Ambient mode (istio.io/dataplane-mode=ambient on the namespace or pod) has no per-pod proxy, which is " +
		"why it suits Jobs: nothing has to stop when the app exits. The sidecar injector does not look at that label, " +
		"though: a pod labelled sidecar.istio.io/inject: \"true\", or in a namespace that also has istio-injection=enabled " +
		"or istio.io/rev, still gets istio-proxy, and istio-cni leaves pods that have a sidecar out of ambient. The Job " +
		"then runs in sidecar mode with all of its lifecycle problems (MB101) while its author believes it is ambient. " +
		"Kiali flags the mix (KIA1311); the catalogue proposed error, but the pod works as a sidecar pod and the rules " +
		"about that sidecar report the consequences, so this is a warning. Sidecar-only settings on an ambient pod " +
		"(nativeSidecar, proxy resources, proxy.istio.io/config) do nothing and are reported as info.",
	Remediation: "For an ambient Job remove sidecar.istio.io/inject and the sidecar annotations from the pod template and the injection labels from its namespace; to keep the sidecar, label the pod istio.io/dataplane-mode: none.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"kiali/kiali models/istio_validation.go (KIA1311, KIA1315)",
		"istio/istio pkg/config/analysis/analyzers/injection (IST0123)",
		"istio.io docs/ambient/usage/add-workloads",
	},
	Bad: `apiVersion: v1
kind: Namespace
metadata:
  name: batch
  labels: {istio.io/dataplane-mode: ambient}
---
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
`,
	Good: `apiVersion: v1
kind: Namespace
metadata:
  name: batch
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkAmbientSidecarMix,
}

// sidecarOnlyAnnotations do nothing on a pod without a sidecar.
var sidecarOnlyAnnotations = append([]string{mesh.AnnotNative, mesh.AnnotProxyConfig}, mesh.ProxyResourceAnnotations...)

func checkAmbientSidecarMix(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		inj := p.Index.Injection(w)
		if !inj.Ambient {
			continue
		}
		ambient := fmt.Sprintf("namespace %s is labelled istio.io/dataplane-mode=ambient", w.Namespace)
		if w.Template.Labels[mesh.LabelDataplaneMode] == "ambient" {
			ambient = "its pod template is labelled istio.io/dataplane-mode=ambient"
		}
		if inj.Sidecar == mesh.Yes {
			path := w.TemplateLabelPath(mesh.LabelDataplaneMode)
			switch _, hasInject := w.Template.Labels[mesh.LabelInject]; {
			case hasInject:
				path = w.TemplateLabelPath(mesh.LabelInject)
			case w.Template.Labels[mesh.LabelDataplaneMode] != "ambient":
				if nsObj := p.Index.Namespace(w.Namespace); nsObj != nil {
					p.Reportf(nsObj, "metadata.labels"+manifest.Key(mesh.LabelDataplaneMode),
						"%s: %s, but the pod still gets a sidecar (%s) and pods with a sidecar stay out of ambient: "+
							"the Job runs in sidecar mode", w.Object.Ref(), ambient, inj.Reason)
					continue
				}
			}
			p.Reportf(w.Object, path,
				"%s: %s, but the pod still gets a sidecar (%s) and pods with a sidecar stay out of ambient: the Job "+
					"runs in sidecar mode, with a proxy that must be stopped when the app exits", w.Object.Ref(), ambient, inj.Reason)
			continue
		}
		for _, k := range sidecarOnlyAnnotations {
			if _, ok := w.Template.Annotations[k]; ok {
				p.ReportSeverityf(rules.Info, w.Object, w.TemplateAnnotationPath(k),
					"%s: %s and the pod gets no sidecar, so %s has no effect", w.Object.Ref(), ambient, k)
			}
		}
	}
}

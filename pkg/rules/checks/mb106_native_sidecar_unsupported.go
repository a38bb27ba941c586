package checks

import (
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// NativeSidecarUnsupported catches native sidecars the cluster cannot run.
var NativeSidecarUnsupported = &rules.Rule{
	ID:       "MB106",
	Slug:     "native-sidecar-unsupported",
	Severity: rules.Error,
	Summary:  "A native istio-proxy sidecar is requested on a cluster that cannot run or honour it",
	Rationale: "Istio injects istio-proxy as a Kubernetes native sidecar (an init container with restartPolicy: Always) " +
		"when the pod template asks with sidecar.istio.io/nativeSidecar (Istio 1.24 to 1.26 only for the exact value " +
		"\"true\", from 1.27 for any value but \"false\") or istiod runs with ENABLE_NATIVE_SIDECARS=true. Istio does not check the Kubernetes version for these. Before Kubernetes 1.29 " +
		"the SidecarContainers feature is off (alpha, behind a feature gate, in 1.28; absent before), so the API server " +
		"drops restartPolicy from the init container and then rejects the pod: an init container may not have the " +
		"proxy's readiness and startup probes. The Job controller keeps failing to create pods and the Job never runs. " +
		"On Istio before 1.24 the annotation does not exist and is ignored: the pod gets a classic sidecar that keeps " +
		"it alive after the app exits (MB101).",
	Remediation: "On Kubernetes < 1.29 or Istio < 1.24 remove the annotation and make the app stop the proxy with `curl -fsS -X POST http://127.0.0.1:15020/quitquitquit`, or upgrade the cluster; pass --istio-version and --kubernetes-version so the check is exact.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml@1.24.0, @1.26.0, @1.27.0 ($nativeSidecar)",
		"kubernetes.io/docs/concepts/workloads/pods/sidecar-containers (beta and on by default in 1.29)",
		"istio/istio#49054, #52245 (\"may not be set for init containers without restartPolicy=Always\")",
		"istio/api annotation/annotations.yaml (sidecar.istio.io/nativeSidecar, Istio 1.24)",
	},
	Bad: `# facts: istioVersion=1.24 kubernetesVersion=1.27
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations: {sidecar.istio.io/nativeSidecar: "true"}
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
      annotations: {sidecar.istio.io/nativeSidecar: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkNativeSidecarUnsupported,
}

func checkNativeSidecarUnsupported(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		if _, _, pre := rules.InjectedProxy(w); pre {
			continue
		}
		m := rules.MeshOf(p, w)
		if m.Sidecar() == mesh.No {
			continue
		}
		requested := rules.NativeRequested(w)
		k8s := p.Facts.KubernetesVersion
		if m.Native == mesh.Yes && k8s.AtLeast(1, 29) == mesh.No {
			path := w.TemplateAnnotationPath(mesh.AnnotNative)
			a := rules.ReadNativeAnnotation(p.Facts.IstioVersion, w)
			how := a.Why
			if a.Decides != mesh.Yes {
				how = "istiod's ENABLE_NATIVE_SIDECARS=true"
				path = m.FirstAppPath()
			}
			gate := "which has no native sidecars"
			if k8s.Major == 1 && k8s.Minor == 28 {
				gate = "where native sidecars need the alpha SidecarContainers feature gate"
			}
			p.Reportf(w.Object, path,
				"%s gets istio-proxy as a native sidecar (%s), but the cluster runs Kubernetes %s, %s: the API server "+
					"rejects the pod (the init container may not carry the proxy's probes) and the Job never starts",
				w.Object.Ref(), how, k8s, gate)
			continue
		}
		if requested && p.Facts.IstioVersion.AtLeast(1, 24) == mesh.No && m.Native != mesh.Yes {
			p.ReportSeverityf(rules.Warning, w.Object, w.TemplateAnnotationPath(mesh.AnnotNative),
				"%s asks for a native sidecar with sidecar.istio.io/nativeSidecar, but Istio %s ignores that annotation "+
					"(added in 1.24): the pod gets a classic sidecar that outlives the app", w.Object.Ref(), p.Facts.IstioVersion)
		}
	}
}

package checks

import (
	"fmt"

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
		"\"true\", from 1.27 for any value but \"false\") or istiod runs with ENABLE_NATIVE_SIDECARS=true. Istio does not " +
		"check the cluster for these (only its default, auto, looks at the kubelets). Two components must support the " +
		"SidecarContainers feature, beta and on by default from Kubernetes 1.29, alpha and off by default in 1.28. The " +
		"API server: without the feature it drops restartPolicy from the init container and then rejects the pod, because " +
		"an init container may not have the proxy's readiness and startup probes; the Job controller keeps failing to " +
		"create pods and the Job never runs. " +
		"And the kubelet of every node that may run the pod, which can lag the API server by three minors: a kubelet " +
		"before 1.29 runs istio-proxy as an ordinary init container, which never exits, so the pod stays in Init, the app " +
		"never starts and the Job never completes. Before 1.28 this is an error; on 1.28 a warning, because a cluster may " +
		"have turned the alpha gate on (on the API server and the kubelets). Pass --kubelet-version with the oldest kubelet: without it only the " +
		"API server is checked. On Istio before 1.24 the annotation does not exist and is ignored: the pod gets a classic " +
		"sidecar that keeps it alive after the app exits (MB101).",
	Remediation: "On Kubernetes (API server or any kubelet) < 1.29 or Istio < 1.24 remove the annotation and make the app stop the proxy with `curl -fsS -X POST http://127.0.0.1:15020/quitquitquit` " +
		"(the message names another port where the pod moves pilot-agent's status port), or upgrade the cluster; " +
		"pass --istio-version, --kubernetes-version and --kubelet-version so the check is exact.",
	Kinds: []string{"Job", "CronJob", "Namespace"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
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
		if m.Injected() == mesh.No {
			continue
		}
		if m.Native == mesh.Yes || m.NativeAssumed {
			sev, why := nativeUnsupported(p.Facts)
			if why == "" {
				continue
			}
			path := w.TemplateAnnotationPath(mesh.AnnotNative)
			a := rules.ReadNativeAnnotation(p.Facts.IstioVersion, w)
			how := a.Why
			switch {
			case m.NativeAssumed:
				how = `sidecar.istio.io/nativeSidecar: "true", assuming Istio 1.24 or later: pass --istio-version; an older ` +
					`Istio ignores the annotation and injects a classic sidecar that outlives the app (MB101)`
			case a.Decides != mesh.Yes:
				how = "istiod's ENABLE_NATIVE_SIDECARS=true"
				path = m.FirstAppPath()
			}
			p.ReportSeverityf(sev, w.Object, path, "%s gets istio-proxy as a native sidecar (%s), but %s%s",
				w.Object.Ref(), how, why, classicFallback(w))
			continue
		}
		if rules.NativeRequested(w) && p.Facts.IstioVersion.AtLeast(1, 24) == mesh.No {
			p.ReportSeverityf(rules.Warning, w.Object, w.TemplateAnnotationPath(mesh.AnnotNative),
				"%s asks for a native sidecar with sidecar.istio.io/nativeSidecar, but Istio %s ignores that annotation "+
					"(added in 1.24): the pod gets a classic sidecar that outlives the app%s", w.Object.Ref(), p.Facts.IstioVersion, statusNote(w))
		}
	}
}

// nativeUnsupported says why the cluster cannot run a native sidecar, and
// how sure that is; "" when no known fact stops it. The API server comes
// first: a pod it rejects never reaches a kubelet.
func nativeUnsupported(f mesh.Facts) (rules.Severity, string) {
	api, kubelet := f.KubernetesVersion, f.KubeletVersion
	switch {
	case api.AtLeast(1, 28) == mesh.No:
		return rules.Error, fmt.Sprintf("the API server runs Kubernetes %s, which has no native sidecars: it drops the init "+
			"container's restartPolicy and then rejects the pod (an init container may not carry the proxy's probes), so "+
			"the Job never gets a pod", api)
	case api.AtLeast(1, 29) == mesh.No && kubelet.AtLeast(1, 28) == mesh.No:
		return rules.Error, fmt.Sprintf("the API server runs Kubernetes %s, where native sidecars need the alpha "+
			"SidecarContainers feature gate, and the oldest kubelet is %s, which has none: the pod is rejected, or with "+
			"the gate on, istio-proxy runs as an ordinary init container that never exits and the pod stays in Init", api, kubelet)
	case api.AtLeast(1, 29) == mesh.No:
		// 1.28: the alpha gate may be on, so this is a warning.
		return rules.Warning, fmt.Sprintf("the API server runs Kubernetes %s, where native sidecars need the alpha "+
			"SidecarContainers feature gate, off by default: unless it is on (on the API server and every kubelet), the "+
			"API server rejects the pod (an init container may not carry the proxy's probes) and the Job never starts", api)
	case kubelet.AtLeast(1, 28) == mesh.No:
		return rules.Error, fmt.Sprintf("the oldest kubelet is %s, which has no native sidecars: it runs istio-proxy as an "+
			"ordinary init container that never exits, so the pod stays in Init, the app never starts and the Job never "+
			"completes", kubelet)
	case kubelet.AtLeast(1, 29) == mesh.No:
		return rules.Warning, fmt.Sprintf("the oldest kubelet is %s, where native sidecars need the alpha SidecarContainers "+
			"feature gate: a kubelet without it runs istio-proxy as an ordinary init container that never exits, so the "+
			"pod stays in Init and the Job never completes", kubelet)
	}
	return 0, ""
}

// classicFallback is, for MB106's message, what the fix with a classic
// sidecar takes on this pod when it moves pilot-agent's status server:
// the quit call on its port, or, with the server off, that the app could
// not stop a classic sidecar either. "" on the default port.
func classicFallback(w *rules.Workload) string {
	s := w.StatusServer()
	switch {
	case !s.Moved():
		return ""
	case s.Port == 0:
		return "; nor can a classic sidecar take its place: " + s.Describe() + ", so the app could not stop it either " +
			"(give the status server a port, or run the Job where native sidecars work)"
	}
	return fmt.Sprintf("; with a classic sidecar instead, the app stops it with `%s` (%s)", mesh.QuitCommand(s.Port), s.Describe())
}

package rules

import (
	"fmt"
	"strings"

	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Injection says whether a pod template will get Istio's sidecar.
type Injection struct {
	Sidecar mesh.Tri // an istio-proxy container will be injected
	Ambient bool     // the pod is enrolled in ambient mode (ztunnel, no sidecar)
	Reason  string   // what decided it, in words a user recognises
}

// Injection works out sidecar injection the way Istio's webhook does
// (objectSelector plus namespaceSelector, then injectRequired), from the
// pod template labels, hostNetwork and the namespace labels when the
// Namespace object is loaded. A template that already contains an
// istio-proxy container (istioctl kube-inject output, or a pod copied from
// a cluster) has a proxy whatever the webhook does.
func (ix *Index) injection(w *Workload) Injection {
	// It reads the workload's summary only: it runs on released workloads.
	labels := w.summary.labels
	podLabel, hasPodLabel := labels.Get(mesh.LabelInject)
	_, podRev := labels.Get(mesh.LabelRev)
	podMode, _ := labels.Get(mesh.LabelDataplaneMode)
	podAnnot := w.summary.injectAnnot
	nsObj := ix.Namespace(w.Namespace)

	inj := Injection{Sidecar: mesh.Unknown}
	if podMode == "ambient" {
		inj.Ambient = true
	} else if nsObj != nil && nsObj.Labels[mesh.LabelDataplaneMode] == "ambient" && podMode != "none" {
		inj.Ambient = true
	} else if n, ok := ix.clusterNamespace(w.Namespace); ok && nsObj == nil && n.Injection == mesh.InjectAmbient && podMode != "none" {
		inj.Ambient = true // a facts file's namespace (injection_facts.go)
	}

	if w.summary.injectedProxy {
		return Injection{Sidecar: mesh.Yes, Ambient: inj.Ambient, Reason: "the pod template already contains an injected istio-proxy container"}
	}

	switch {
	case w.summary.hostNetwork:
		return Injection{Sidecar: mesh.No, Ambient: inj.Ambient, Reason: "the pod uses hostNetwork, which Istio never injects"}
	case mesh.NeverInjected(w.Namespace):
		return Injection{Sidecar: mesh.No, Ambient: inj.Ambient, Reason: "Istio never injects pods in " + w.Namespace}
	case hasPodLabel && podLabel == "false":
		return Injection{Sidecar: mesh.No, Ambient: inj.Ambient, Reason: `the pod label sidecar.istio.io/inject is "false"`}
	}

	// Once the webhook is called, injectRequired reads the label, or the
	// deprecated annotation when there is no label, and injects only for
	// y, yes, true or on (any case); any other value means "do not
	// inject". When the webhook is not called there is no sidecar either.
	sel, what := podAnnot, "(deprecated) annotation"
	if hasPodLabel {
		sel, what = podLabel, "label"
	}
	if sel != "" && !mesh.InjectTruthy(sel) {
		return Injection{Sidecar: mesh.No, Ambient: inj.Ambient, Reason: fmt.Sprintf("the pod %s sidecar.istio.io/inject is %q, which the injector reads as false", what, sel)}
	}

	if nsObj != nil {
		nsInj, nsRev := nsObj.Labels[mesh.LabelNSInjection], nsObj.Labels[mesh.LabelRev]
		switch {
		case nsInj == "disabled":
			inj.Sidecar, inj.Reason = mesh.No, fmt.Sprintf("namespace %s has istio-injection=disabled", w.Namespace)
		case nsInj == "enabled" || (nsInj == "" && nsRev != ""):
			inj.Sidecar, inj.Reason = mesh.Yes, fmt.Sprintf("namespace %s is labelled for injection", w.Namespace)
		case podLabel == "true" || podRev:
			inj.Sidecar, inj.Reason = mesh.Yes, `the pod label sidecar.istio.io/inject is "true"`
		default:
			inj.Sidecar, inj.Reason = mesh.No, fmt.Sprintf("neither namespace %s nor the pod template asks for injection", w.Namespace)
		}
	} else if n, ok := ix.clusterNamespace(w.Namespace); ok {
		inj = injectionFromCluster(inj, w.Namespace, n, podLabel == "true" || podRev) // a facts file's namespace
	} else if podLabel == "true" || podRev {
		inj.Sidecar, inj.Reason = mesh.Yes, `the pod label sidecar.istio.io/inject is "true"`
	} else {
		inj.Reason = fmt.Sprintf("Namespace %s is not in the input, so its injection label is unknown", w.Namespace)
	}
	return inj
}

// InjectedProxy returns the istio-proxy container of a template that was
// injected before it reached the manifest, and whether it is a native
// sidecar (an init container with restartPolicy: Always).
func InjectedProxy(w *Workload) (c *corev1.Container, native bool, ok bool) {
	for i := range w.Template.Spec.InitContainers {
		ic := &w.Template.Spec.InitContainers[i]
		if ic.Name == "istio-proxy" {
			return ic, ic.RestartPolicy != nil && *ic.RestartPolicy == corev1.ContainerRestartPolicyAlways, true
		}
	}
	// A container named istio-proxy without an image is an injection
	// customisation (merged into the injected one), not an injected proxy;
	// so is one with the special image "auto".
	for i := range w.Template.Spec.Containers {
		c := &w.Template.Spec.Containers[i]
		if c.Name == "istio-proxy" && c.Image != "" && c.Image != "auto" {
			return c, false, true
		}
	}
	return nil, false, false
}

// ProxyOverride returns a container named istio-proxy in the template that
// customises the injected one (Istio merges it into the injected
// container), with its field path.
func ProxyOverride(w *Workload) (*corev1.Container, string) {
	for i := range w.Template.Spec.Containers {
		if c := &w.Template.Spec.Containers[i]; c.Name == "istio-proxy" {
			return c, w.PodPath("containers", i)
		}
	}
	for i := range w.Template.Spec.InitContainers {
		if c := &w.Template.Spec.InitContainers[i]; c.Name == "istio-proxy" {
			return c, w.PodPath("initContainers", i)
		}
	}
	return nil, ""
}

// NativeRequested reports whether the pod template asks for a native
// sidecar with sidecar.istio.io/nativeSidecar in some Istio's reading: a
// value other than "" and "false". Whether the Istio at hand honours it is
// ReadNativeAnnotation's answer.
func NativeRequested(w *Workload) bool {
	v := w.Template.Annotations[mesh.AnnotNative]
	return v != "" && v != "false"
}

// NativeAnnotation is what sidecar.istio.io/nativeSidecar makes of a pod
// on one Istio version.
type NativeAnnotation struct {
	Value string
	Set   bool
	// Decides is Yes when the annotation decides the sidecar's mode, No
	// when istiod's ENABLE_NATIVE_SIDECARS does (no annotation, an Istio
	// that ignores it, an empty value from 1.27), and Unknown when that
	// depends on the Istio version, which was not given.
	Decides mesh.Tri
	// Native is the mode it picks when it decides: Unknown when the
	// version was not given.
	Native mesh.Tri
	// Why explains the reading, for messages; "" without the annotation.
	Why string
}

// ReadNativeAnnotation reads sidecar.istio.io/nativeSidecar the way the
// injection template of Istio version v does
// (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml):
//
//   - before 1.24 the annotation does not exist;
//   - 1.24.0 to 1.26.x: native only for exactly "true"; any other value
//     set, "" included, gives a classic sidecar and overrides
//     ENABLE_NATIVE_SIDECARS;
//   - from 1.27.0: native for any value but "false" (case-sensitive); an
//     empty value is sprig's "empty", so ENABLE_NATIVE_SIDECARS decides.
//
// With the version unknown, "true" and "false" mean the same on every
// Istio that reads them (Native stays Unknown for "true": Istio < 1.24
// ignores it); any other value gets the strict reading of 1.24-1.26 for
// the lifecycle verdicts: a classic sidecar, as an assumption.
func ReadNativeAnnotation(v mesh.Version, w *Workload) NativeAnnotation {
	val, ok := w.Template.Annotations[mesh.AnnotNative]
	a := NativeAnnotation{Value: val, Set: ok, Decides: mesh.No, Native: mesh.Unknown}
	if !ok {
		return a
	}
	key := fmt.Sprintf("sidecar.istio.io/nativeSidecar: %q", val)
	switch {
	case v.AtLeast(1, 24) == mesh.No:
		a.Why = fmt.Sprintf("Istio %s ignores sidecar.istio.io/nativeSidecar (added in 1.24)", v)
	case v.AtLeast(1, 27) == mesh.Yes:
		switch val {
		case "":
			a.Why = fmt.Sprintf("Istio %s reads an empty sidecar.istio.io/nativeSidecar as unset", v)
		case "false":
			a.Decides, a.Native, a.Why = mesh.Yes, mesh.No, "the pod opts out with "+key
		case "true":
			a.Decides, a.Native, a.Why = mesh.Yes, mesh.Yes, key+" on Istio >= 1.24"
		default:
			a.Decides, a.Native, a.Why = mesh.Yes, mesh.Yes,
				fmt.Sprintf("%s on Istio %s, which reads any value but \"false\" as a request", key, v)
		}
	case v.Known(): // 1.24 to 1.26
		switch val {
		case "true":
			a.Decides, a.Native, a.Why = mesh.Yes, mesh.Yes, key+" on Istio >= 1.24"
		case "false":
			a.Decides, a.Native, a.Why = mesh.Yes, mesh.No, "the pod opts out with "+key
		default:
			a.Decides, a.Native, a.Why = mesh.Yes, mesh.No,
				fmt.Sprintf("Istio %s injects a native sidecar only for the exact value \"true\": %s gives a classic "+
					"sidecar and overrides ENABLE_NATIVE_SIDECARS", v, key)
		}
	default: // the version was not given
		switch val {
		case "true":
			a.Decides, a.Why = mesh.Unknown, "sidecar.istio.io/nativeSidecar is honoured only from Istio 1.24, and the Istio version was not given"
		case "false":
			a.Decides, a.Native, a.Why = mesh.Yes, mesh.No, "the pod opts out with "+key
		default:
			a.Decides, a.Why = mesh.Unknown,
				fmt.Sprintf("the Istio version was not given, and Istio 1.24 to 1.26 give %s a classic sidecar "+
					"(only the exact value \"true\" asks for a native one there; from 1.27 any value but \"false\" does)", key)
		}
	}
	return a
}

// NativeSidecar says whether Istio will inject istio-proxy as a Kubernetes
// native sidecar (an init container with restartPolicy: Always), which
// stops by itself when the app containers end. The reason names the facts
// the answer rests on, or the ones that are missing.
//
// It answers what Istio renders, not whether Kubernetes accepts it: a
// native sidecar on Kubernetes < 1.29 gets the pod rejected, which MB106
// reports.
func NativeSidecar(f mesh.Facts, w *Workload) (mesh.Tri, string) {
	f = f.ForNamespace(w.Namespace) // the facts of the revision that serves it (injection_facts.go)
	if _, native, ok := InjectedProxy(w); ok {
		if native {
			return mesh.Yes, "the template already contains istio-proxy as a native sidecar (an init container with restartPolicy: Always)"
		}
		return mesh.No, "the template already contains istio-proxy as an ordinary container, injected before it was committed"
	}
	ignored := ""
	switch a := ReadNativeAnnotation(f.IstioVersion, w); a.Decides {
	case mesh.Yes:
		return a.Native, a.Why
	case mesh.Unknown:
		return mesh.Unknown, a.Why
	default:
		if a.Why != "" {
			ignored = a.Why + "; "
		}
	}
	switch f.NativeSidecars {
	case "true":
		// The variable exists from Istio 1.19.
		if f.IstioVersion.AtLeast(1, 19) == mesh.No {
			return mesh.No, ignored + fmt.Sprintf("Istio %s has no native sidecar support (ENABLE_NATIVE_SIDECARS needs 1.19)", f.IstioVersion)
		}
		return mesh.Yes, ignored + "istiod runs with ENABLE_NATIVE_SIDECARS=true"
	case "false":
		return mesh.No, ignored + "istiod runs with ENABLE_NATIVE_SIDECARS=false"
	}
	// "auto" or unset: the default became "auto" in Istio 1.27 (false
	// before), and auto means native only when every node's kubelet is
	// >= 1.33 (pkg/kube/inject/webhook.go DetectNativeSidecar at 1.27.0;
	// a Job's pod is not scheduled at admission, so every node counts, and
	// no node client means false). Kubelets may lag the API server by three
	// minors, so its version decides only when it is below 1.33: a kubelet
	// is never newer than its API server.
	switch f.IstioVersion.AtLeast(1, 27) {
	case mesh.No:
		return mesh.No, ignored + fmt.Sprintf("Istio %s does not use native sidecars unless asked (annotation or ENABLE_NATIVE_SIDECARS=true)", f.IstioVersion)
	case mesh.Unknown:
		return mesh.Unknown, ignored + "the Istio version was not given: native sidecars are the default only from Istio 1.27, and only when every node's kubelet is 1.33 or later"
	}
	const auto = "ENABLE_NATIVE_SIDECARS=auto (Istio's default from 1.27) injects native sidecars only when every node's kubelet is 1.33 or later"
	switch f.KubeletVersion.AtLeast(1, 33) {
	case mesh.Yes:
		return mesh.Yes, ignored + fmt.Sprintf("Istio >= 1.27 with ENABLE_NATIVE_SIDECARS=auto, and the oldest kubelet is %s", f.KubeletVersion)
	case mesh.No:
		return mesh.No, ignored + fmt.Sprintf("%s, and the oldest is %s", auto, f.KubeletVersion)
	}
	if f.KubernetesVersion.AtLeast(1, 33) == mesh.No {
		return mesh.No, ignored + fmt.Sprintf("%s, and the API server runs %s (no kubelet is newer than its API server)", auto, f.KubernetesVersion)
	}
	return mesh.Unknown, ignored + "the oldest kubelet's version was not given: " + auto
}

// proxyConfigOf parses the pod's proxy.istio.io/config annotation the way the
// injector applies it: YAML or JSON, unknown fields ignored (Istio's
// protomarshal.ApplyYAML retries without them). It returns nil, nil when
// the annotation is absent, and an error when Istio would fail the
// injection (bad YAML, a value of the wrong type).
func proxyConfigOf(w *Workload) (*meshv1alpha1.ProxyConfig, error) {
	raw, ok := w.Template.Annotations[mesh.AnnotProxyConfig]
	if !ok {
		return nil, nil
	}
	return mesh.ParseProxyConfig(raw)
}

// HoldsApplication says whether the app containers wait for the proxy:
// holdApplicationUntilProxyStarts from the pod annotation, else the
// mesh-wide default.
func HoldsApplication(f mesh.Facts, w *Workload) mesh.Tri {
	f = f.ForNamespace(w.Namespace) // the facts of the revision that serves it (injection_facts.go)
	// An already injected classic proxy shows the hold itself: the
	// injector gives it a postStart hook running "pilot-agent wait".
	if c, native, ok := InjectedProxy(w); ok && !native {
		if ps := c.Lifecycle; ps != nil && ps.PostStart != nil && ps.PostStart.Exec != nil {
			return mesh.TriOf(strings.Contains(strings.Join(ps.PostStart.Exec.Command, " "), "wait"))
		}
		return mesh.No
	}
	if pc, err := w.ProxyConfig(); err == nil && pc != nil && pc.GetHoldApplicationUntilProxyStarts() != nil {
		return mesh.TriOf(pc.GetHoldApplicationUntilProxyStarts().GetValue())
	}
	switch f.HoldApplication {
	case "true":
		return mesh.Yes
	case "false":
		return mesh.No
	}
	return mesh.Unknown
}

// QuitCall is a place where an app container's command line mentions
// Istio's quit endpoint.
type QuitCall struct {
	Container ContainerRef
	Path      string // field path of the command or args entry
	Text      string // the whole command entry that mentions it
}

// QuitCalls finds every command or args entry of the app containers that
// mentions quitquitquit (curl, wget, a script line).
func QuitCalls(w *Workload) []QuitCall {
	var out []QuitCall
	for _, c := range w.Containers() {
		for i, s := range c.Container.Command {
			if strings.Contains(s, "quitquitquit") {
				out = append(out, QuitCall{Container: c, Path: c.Path + ".command" + fmt.Sprintf("[%d]", i), Text: s})
			}
		}
		for i, s := range c.Container.Args {
			if strings.Contains(s, "quitquitquit") {
				out = append(out, QuitCall{Container: c, Path: c.Path + ".args" + fmt.Sprintf("[%d]", i), Text: s})
			}
		}
	}
	return out
}

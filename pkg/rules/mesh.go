package rules

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	meshv1alpha1 "istio.io/api/mesh/v1alpha1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// Well-known keys, spelled once.
const (
	LabelInject        = "sidecar.istio.io/inject" // pod label (the annotation form is deprecated)
	LabelRev           = "istio.io/rev"            // namespace or pod label
	LabelNSInjection   = "istio-injection"         // namespace label
	LabelDataplaneMode = "istio.io/dataplane-mode" // namespace or pod label: ambient | none
	AnnotNative        = "sidecar.istio.io/nativeSidecar"
	AnnotProxyConfig   = "proxy.istio.io/config"
	AnnotProxyCPU      = "sidecar.istio.io/proxyCPU"
	AnnotProxyMemory   = "sidecar.istio.io/proxyMemory"
	AnnotProxyCPULimit = "sidecar.istio.io/proxyCPULimit"
	AnnotProxyMemLimit = "sidecar.istio.io/proxyMemoryLimit"
)

// ProxyResourceAnnotations are the four pod annotations that replace the
// injector's default proxy resources; setting any of them drops the
// defaults for all four.
var ProxyResourceAnnotations = []string{AnnotProxyCPU, AnnotProxyMemory, AnnotProxyCPULimit, AnnotProxyMemLimit}

// Injection says whether a pod template will get Istio's sidecar.
type Injection struct {
	Sidecar Tri    // an istio-proxy container will be injected
	Ambient bool   // the pod is enrolled in ambient mode (ztunnel, no sidecar)
	Reason  string // what decided it, in words a user recognises
}

// Injection works out sidecar injection the way Istio's webhook does
// (objectSelector plus namespaceSelector, then injectRequired), from the
// pod template labels, hostNetwork and the namespace labels when the
// Namespace object is loaded.
func (ix *Index) Injection(w *Workload) Injection {
	t := w.Template
	podLabel, hasPodLabel := t.Labels[LabelInject]
	_, podRev := t.Labels[LabelRev]
	podAnnot := t.Annotations[LabelInject]
	ns, nsObj := ix.Namespace(w.Namespace)

	inj := Injection{Sidecar: Unknown}
	if t.Labels[LabelDataplaneMode] == "ambient" {
		inj.Ambient = true
	} else if ns != nil && ns.Labels[LabelDataplaneMode] == "ambient" && t.Labels[LabelDataplaneMode] != "none" {
		inj.Ambient = true
	}

	switch {
	case t.Spec.HostNetwork:
		return Injection{Sidecar: No, Ambient: inj.Ambient, Reason: "the pod uses hostNetwork, which Istio never injects"}
	case w.Namespace == "kube-system" || w.Namespace == "kube-public":
		return Injection{Sidecar: No, Ambient: inj.Ambient, Reason: "Istio never injects pods in " + w.Namespace}
	case hasPodLabel && podLabel == "false":
		return Injection{Sidecar: No, Ambient: inj.Ambient, Reason: `the pod label sidecar.istio.io/inject is "false"`}
	}

	if nsObj != nil {
		nsInj, nsRev := ns.Labels[LabelNSInjection], ns.Labels[LabelRev]
		switch {
		case nsInj == "disabled":
			inj.Sidecar, inj.Reason = No, fmt.Sprintf("namespace %s has istio-injection=disabled", w.Namespace)
		case nsInj == "enabled" || (nsInj == "" && nsRev != ""):
			inj.Sidecar, inj.Reason = Yes, fmt.Sprintf("namespace %s is labelled for injection", w.Namespace)
		case podLabel == "true" || podRev:
			inj.Sidecar, inj.Reason = Yes, `the pod label sidecar.istio.io/inject is "true"`
		default:
			inj.Sidecar, inj.Reason = No, fmt.Sprintf("neither namespace %s nor the pod template asks for injection", w.Namespace)
		}
	} else if podLabel == "true" || podRev {
		inj.Sidecar, inj.Reason = Yes, `the pod label sidecar.istio.io/inject is "true"`
	} else {
		inj.Reason = fmt.Sprintf("Namespace %s is not in the input, so its injection label is unknown", w.Namespace)
	}
	// The deprecated annotation is read by the webhook, once it is called.
	if inj.Sidecar == Yes && !hasPodLabel && podAnnot == "false" {
		inj.Sidecar, inj.Reason = No, `the (deprecated) annotation sidecar.istio.io/inject is "false"`
	}
	return inj
}

// NativeSidecar says whether Istio will inject istio-proxy as a Kubernetes
// native sidecar (an init container with restartPolicy: Always), which
// stops by itself when the app containers end. The reason names the facts
// the answer rests on, or the ones that are missing.
func (f Facts) NativeSidecar(w *Workload) (Tri, string) {
	k8s129 := f.KubernetesVersion.AtLeast(1, 29)
	switch w.Template.Annotations[AnnotNative] {
	case "false":
		return No, `the pod opts out with sidecar.istio.io/nativeSidecar: "false"`
	case "true":
		switch and(f.IstioVersion.AtLeast(1, 24), k8s129) {
		case Yes:
			return Yes, `sidecar.istio.io/nativeSidecar: "true" on Istio >= 1.24 and Kubernetes >= 1.29`
		case No:
			return No, fmt.Sprintf("sidecar.istio.io/nativeSidecar needs Istio >= 1.24 and Kubernetes >= 1.29 (facts: Istio %s, Kubernetes %s)", f.IstioVersion, f.KubernetesVersion)
		}
		return Unknown, "sidecar.istio.io/nativeSidecar is honoured only on Istio >= 1.24 and Kubernetes >= 1.29, and the versions were not given"
	}
	switch f.NativeSidecars {
	case "true":
		switch and(f.IstioVersion.AtLeast(1, 19), k8s129) {
		case Yes:
			return Yes, "istiod runs with ENABLE_NATIVE_SIDECARS=true"
		case No:
			return No, fmt.Sprintf("ENABLE_NATIVE_SIDECARS=true needs Istio >= 1.19 and Kubernetes >= 1.29 (facts: Istio %s, Kubernetes %s)", f.IstioVersion, f.KubernetesVersion)
		}
		return Unknown, "ENABLE_NATIVE_SIDECARS=true works only on Istio >= 1.19 and Kubernetes >= 1.29, and the versions were not given"
	case "false":
		return No, "istiod runs with ENABLE_NATIVE_SIDECARS=false"
	}
	// "auto" or unset: the default became "auto" in Istio 1.27, and auto
	// means native only when every node's kubelet is >= 1.33.
	switch f.IstioVersion.AtLeast(1, 27) {
	case No:
		return No, fmt.Sprintf("Istio %s does not use native sidecars unless asked (annotation or ENABLE_NATIVE_SIDECARS=true)", f.IstioVersion)
	case Unknown:
		return Unknown, "the Istio version was not given: native sidecars are the default only from Istio 1.27 on Kubernetes >= 1.33"
	}
	switch f.KubernetesVersion.AtLeast(1, 33) {
	case Yes:
		return Yes, "Istio >= 1.27 with ENABLE_NATIVE_SIDECARS=auto on Kubernetes >= 1.33"
	case No:
		return No, fmt.Sprintf("ENABLE_NATIVE_SIDECARS=auto (Istio's default) enables native sidecars only when all nodes run Kubernetes >= 1.33 (fact: %s)", f.KubernetesVersion)
	}
	return Unknown, "the Kubernetes version was not given: ENABLE_NATIVE_SIDECARS=auto needs every node at 1.33 or later"
}

func and(a, b Tri) Tri {
	if a == No || b == No {
		return No
	}
	if a == Yes && b == Yes {
		return Yes
	}
	return Unknown
}

// ProxyConfig parses the pod's proxy.istio.io/config annotation the way the
// injector does (YAML or JSON, unknown fields rejected). It returns nil,
// nil when the annotation is absent.
func ProxyConfig(w *Workload) (*meshv1alpha1.ProxyConfig, error) {
	raw, ok := w.Template.Annotations[AnnotProxyConfig]
	if !ok {
		return nil, nil
	}
	return ParseProxyConfig(raw)
}

// ParseProxyConfig parses a ProxyConfig given as YAML or JSON text.
func ParseProxyConfig(raw string) (*meshv1alpha1.ProxyConfig, error) {
	js, err := manifest.YAMLToJSON([]byte(raw), manifest.Limits{MaxDepth: 20, MaxNodes: 10000})
	if err != nil {
		return nil, fmt.Errorf("not valid YAML: %v", err)
	}
	pc := &meshv1alpha1.ProxyConfig{}
	if string(js) == "null" {
		return pc, nil
	}
	if err := (protojson.UnmarshalOptions{}).Unmarshal(js, pc); err != nil {
		msg := err.Error()
		if i := strings.LastIndex(msg, "):"); i >= 0 {
			msg = strings.TrimSpace(msg[i+2:])
		}
		return nil, fmt.Errorf("not a ProxyConfig: %s", strings.TrimPrefix(msg, "proto: "))
	}
	return pc, nil
}

// ProxyMetadata returns one proxyMetadata variable of the pod's
// proxy.istio.io/config, if set (and the annotation parses).
func ProxyMetadata(w *Workload, key string) (string, bool) {
	pc, err := ProxyConfig(w)
	if err != nil || pc == nil {
		return "", false
	}
	v, ok := pc.GetProxyMetadata()[key]
	return v, ok
}

// HoldsApplication says whether the app containers wait for the proxy:
// holdApplicationUntilProxyStarts from the pod annotation, else the
// mesh-wide default.
func (f Facts) HoldsApplication(w *Workload) Tri {
	if pc, err := ProxyConfig(w); err == nil && pc != nil && pc.GetHoldApplicationUntilProxyStarts() != nil {
		return TriOf(pc.GetHoldApplicationUntilProxyStarts().GetValue())
	}
	switch f.HoldApplication {
	case "true":
		return Yes
	case "false":
		return No
	}
	return Unknown
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

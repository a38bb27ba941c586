package mesh

// Namespace is what a cluster says about one of its namespaces: the
// dataplane its pods get, resolved from the namespace's labels and the
// injector webhooks installed (`meshbatch facts`).
type Namespace struct {
	// Injection is one of the Inject* values.
	Injection string
	// Revision is the Istio revision whose injector serves the namespace
	// (a tag resolved to its revision), when Injection is InjectSidecar.
	Revision string
}

// Values of Namespace.Injection.
const (
	// InjectSidecar: an injector webhook selects the namespace, so every
	// pod gets a sidecar unless it opts out.
	InjectSidecar = "sidecar"
	// InjectAmbient: pods are enrolled in ambient mode (no sidecar)
	// unless a pod label asks for a sidecar or opts out.
	InjectAmbient = "ambient"
	// InjectNone: no namespace-level injection; a pod label
	// (sidecar.istio.io/inject: "true", istio.io/rev) can still ask for
	// a sidecar.
	InjectNone = "none"
	// InjectDisabled: no injector webhook can select the namespace
	// (istio-injection=disabled, a revision label no revision or tag
	// serves, no Istio at all, or a namespace Istio never injects), so no
	// pod of it gets a sidecar, whatever its labels.
	InjectDisabled = "disabled"
)

// InjectionValues lists the values of Namespace.Injection.
var InjectionValues = []string{InjectSidecar, InjectAmbient, InjectNone, InjectDisabled}

// ForNamespace returns the facts that hold for the pods of a namespace:
// these, with the differences of the revision that serves the namespace
// (Namespaces, Revisions) applied.
func (f Facts) ForNamespace(ns string) Facts {
	n, ok := f.Namespaces[ns]
	if !ok || n.Revision == "" {
		return f
	}
	r, ok := f.Revisions[n.Revision]
	if !ok {
		return f
	}
	return f.With(r)
}

// With returns f with every known field of o in place of f's; Namespaces
// and Revisions stay f's.
func (f Facts) With(o Facts) Facts {
	if o.IstioVersion.Known() {
		f.IstioVersion = o.IstioVersion
	}
	if o.KubernetesVersion.Known() {
		f.KubernetesVersion = o.KubernetesVersion
	}
	if o.KubeletVersion.Known() {
		f.KubeletVersion = o.KubeletVersion
	}
	if o.NativeSidecars != "" {
		f.NativeSidecars = o.NativeSidecars
	}
	if o.OutboundPolicy != "" {
		f.OutboundPolicy = o.OutboundPolicy
	}
	if o.RootNamespace != "" {
		f.RootNamespace = o.RootNamespace
	}
	if o.TrustDomain != "" {
		f.TrustDomain = o.TrustDomain
	}
	if o.TrustAliases != nil {
		f.TrustAliases = o.TrustAliases
	}
	if o.MaxCertTTL != 0 {
		f.MaxCertTTL = o.MaxCertTTL
	}
	if o.HoldApplication != "" {
		f.HoldApplication = o.HoldApplication
	}
	if o.DNSAutoAllocate != "" {
		f.DNSAutoAllocate = o.DNSAutoAllocate
	}
	if !o.RootCertExpiry.IsZero() {
		f.RootCertExpiry = o.RootCertExpiry
	}
	return f
}

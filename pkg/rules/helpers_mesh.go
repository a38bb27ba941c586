package rules

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	securityv1beta1 "istio.io/api/security/v1beta1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// ---------------------------------------------------------------------------
// Identities and AuthorizationPolicy sources

var onlyDefaultTrustDomain = [1]string{mesh.DefaultTrustDomain}

// principalMatches reports whether an AuthorizationPolicy principal
// matches the identity of pods running as sa in ns, with Istio's
// trust-domain handling.
func principalMatches(pattern, ns, sa string, f mesh.Facts) bool {
	id := "/ns/" + ns + "/sa/" + sa
	for _, td := range LocalTrustDomains(f) {
		if IstioMatch(pattern, td+id) {
			return true
		}
	}
	return false
}

// serviceAccountMatches reads a serviceAccounts entry ("ns/sa", or "sa" in
// the policy's namespace).
func serviceAccountMatches(entry, policyNS, ns, sa string) bool {
	ens, esa, ok := strings.Cut(entry, "/")
	if !ok {
		ens, esa = policyNS, entry
	}
	return ens == ns && esa == sa
}

func anyMatch(list []string, match func(string) bool) bool {
	for _, v := range list {
		if match(v) {
			return true
		}
	}
	return false
}

// sourceAdmits reports whether a source can match pods running as sa in ns.
// Only the identity fields are read; IP blocks and request principals are
// assumed to match.
func sourceAdmits(src *securityv1beta1.Source, policyNS, ns, sa string, f mesh.Facts) bool {
	pm := func(p string) bool { return principalMatches(p, ns, sa, f) }
	nm := func(p string) bool { return IstioMatch(p, ns) }
	sm := func(e string) bool { return serviceAccountMatches(e, policyNS, ns, sa) }
	switch {
	case len(src.GetPrincipals()) > 0 && !anyMatch(src.GetPrincipals(), pm),
		anyMatch(src.GetNotPrincipals(), pm),
		len(src.GetNamespaces()) > 0 && !anyMatch(src.GetNamespaces(), nm),
		anyMatch(src.GetNotNamespaces(), nm),
		len(src.GetServiceAccounts()) > 0 && !anyMatch(src.GetServiceAccounts(), sm),
		anyMatch(src.GetNotServiceAccounts(), sm):
		return false
	}
	return true
}

// RuleAdmits reports whether a rule's from clause can match pods running
// as sa in ns (a rule without from matches any source).
func RuleAdmits(r *securityv1beta1.Rule, policyNS, ns, sa string, f mesh.Facts) bool {
	if len(r.GetFrom()) == 0 {
		return true
	}
	for _, from := range r.GetFrom() {
		if sourceAdmits(from.GetSource(), policyNS, ns, sa, f) {
			return true
		}
	}
	return false
}

// TargetsByRef reports whether the policy is attached with targetRef(s)
// (to a Gateway, Service, ServiceEntry or waypoint) rather than a selector.
func TargetsByRef(ap *securityv1beta1.AuthorizationPolicy) bool {
	return ap.GetTargetRef() != nil || len(ap.GetTargetRefs()) > 0
}

// identityIndex maps "ns/sa" to the AuthorizationPolicies whose ALLOW rules
// name that identity exactly (a principal without wildcards, or a
// serviceAccounts entry), and "ns/name" to the policies annotated for that
// Job. Built once, on first use.
type identityIndex struct {
	once  sync.Once
	byID  map[string][]*manifest.Object
	byJob map[string][]*manifest.Object
}

func (ix *Index) buildIdentities(f mesh.Facts) {
	ix.identities.once.Do(func() {
		ix.identities.byID = map[string][]*manifest.Object{}
		ix.identities.byJob = map[string][]*manifest.Object{}
		local := LocalTrustDomains(f)
		for _, o := range ix.Every("AuthorizationPolicy") {
			Summarize(o) // released policies were summarised by the loader
			pol := PolicyOf(o)
			if pol.job != "" {
				ix.identities.byJob[pol.job] = append(ix.identities.byJob[pol.job], o)
			}
			seen := map[string]bool{}
			add := func(key string) {
				if !seen[key] {
					seen[key] = true
					ix.identities.byID[key] = append(ix.identities.byID[key], o)
				}
			}
			for _, pr := range pol.principals {
				if slices.Contains(local, pr.TrustDomain) {
					add(pr.Namespace + "/" + pr.SA)
				}
			}
			for _, id := range pol.serviceAccounts {
				add(id)
			}
		}
	})
}

// PoliciesNaming returns the ALLOW AuthorizationPolicies that name the
// identity of pods running as sa in ns exactly.
//
// Reads: the AuthorizationPolicies' summaries, which are always kept.
func (ix *Index) PoliciesNaming(ns, sa string, f mesh.Facts) []*manifest.Object {
	ix.buildIdentities(f)
	return ix.identities.byID[ns+"/"+sa]
}

// PoliciesForJob returns the AuthorizationPolicies annotated
// meshbatch.dev/job: ns/name.
//
// Reads: the AuthorizationPolicies' summaries, which are always kept.
func (ix *Index) PoliciesForJob(ns, name string, f mesh.Facts) []*manifest.Object {
	ix.buildIdentities(f)
	return ix.identities.byJob[ns+"/"+name]
}

// Principal is a parsed "<trust domain>/ns/<namespace>/sa/<account>".
type Principal struct{ TrustDomain, Namespace, SA string }

func ParsePrincipal(s string) (Principal, bool) {
	// exactly five "/"-separated parts, read without allocating
	td, rest, ok1 := strings.Cut(s, "/")
	nsWord, rest, ok2 := strings.Cut(rest, "/")
	ns, rest, ok3 := strings.Cut(rest, "/")
	saWord, sa, ok4 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || !ok3 || !ok4 || strings.Contains(sa, "/") || nsWord != "ns" || saWord != "sa" || td == "" || ns == "" || sa == "" {
		return Principal{}, false
	}
	return Principal{td, ns, sa}, true
}

// ---------------------------------------------------------------------------
// Visibility (exportTo) and sidecar scope

// SidecarFor returns the Sidecar resource that scopes a workload's proxy,
// the way Istio picks it: one in the pod's namespace whose workloadSelector
// matches, else the namespace's selector-less one, else the root
// namespace's selector-less one. Nil when none is loaded.
//
// Reads: Sidecar spec.
func (ix *Index) SidecarFor(w *Workload, f mesh.Facts) *manifest.Object {
	var nsDefault *manifest.Object
	for _, o := range ix.InNamespace("Sidecar", w.Namespace) {
		sel := Sidecar(o).GetWorkloadSelector().GetLabels()
		if len(sel) == 0 {
			if nsDefault == nil {
				nsDefault = o
			}
			continue
		}
		if matchLabelsOn(sel, w.Template.Labels) {
			return o
		}
	}
	if nsDefault != nil {
		return nsDefault
	}
	for _, o := range ix.InNamespace("Sidecar", f.Root()) {
		if len(Sidecar(o).GetWorkloadSelector().GetLabels()) == 0 {
			return o
		}
	}
	return nil
}

// matchLabelsOn reports whether every selector label is on the pod.
func matchLabelsOn(sel, podLabels map[string]string) bool {
	for k, v := range sel {
		if podLabels[k] != v {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// Ports and protocols

// ServicePortProtocol derives a Kubernetes Service port's protocol the
// way Istio does: appProtocol, else the name prefix before "-".
// An unknown protocol is "" (left to protocol detection).
func ServicePortProtocol(p corev1.ServicePort) string {
	proto := ""
	if p.AppProtocol != nil && *p.AppProtocol != "" {
		proto = strings.ToUpper(*p.AppProtocol)
	} else {
		name, _, _ := strings.Cut(p.Name, "-")
		proto = strings.ToUpper(name)
	}
	if knownProtocol(proto) {
		return proto
	}
	return ""
}

// knownProtocol reports whether Istio recognises a port protocol name.
func knownProtocol(proto string) bool {
	switch proto {
	case "HTTP", "HTTP2", "HTTPS", "GRPC", "GRPC-WEB", "TCP", "TLS", "UDP", "MONGO", "MYSQL", "REDIS", "HTTP_PROXY":
		return true
	}
	return false
}

// ServiceTargetPort maps a port of the Service o to the container port it
// targets (a name is resolved against the selected pods when it can be,
// else 0).
//
// Reads: the spec of o, and workload summaries.
func (ix *Index) ServiceTargetPort(o *manifest.Object, port uint32) uint32 {
	svc := ServiceSpec(o)
	for _, p := range svc.Ports {
		if uint32(p.Port) != port {
			continue
		}
		switch {
		case p.TargetPort.IntValue() > 0:
			return uint32(p.TargetPort.IntValue())
		case p.TargetPort.String() == "" || p.TargetPort.String() == "0":
			return port
		}
		for _, w := range ix.WorkloadsIn(NamespaceOf(o)) {
			if len(svc.Selector) == 0 || !w.Labels().Matches(svc.Selector) {
				continue
			}
			for _, np := range w.Ports() {
				if np.Name != "" && np.Name == p.TargetPort.String() {
					return uint32(np.Port)
				}
			}
		}
		return 0
	}
	return port
}

// ServiceMTLS is the mTLS mode the pods behind a Service accept on a
// Service port (0 for any): the Service's selector stands for the pod
// labels. When the Service is not loaded, only namespace-wide and
// mesh-wide policies can be applied.
//
// Reads: Service and PeerAuthentication specs, workload summaries.
func (ix *Index) ServiceMTLS(h ClusterHost, port uint32, f mesh.Facts) MTLS {
	o := ix.Service(h.FQDN())
	if o == nil {
		return ix.EffectiveMTLS(h.Namespace, nil, 0, f)
	}
	svc := ServiceSpec(o)
	target := uint32(0)
	if port != 0 {
		target = ix.ServiceTargetPort(o, port)
	}
	return ix.EffectiveMTLS(NamespaceOf(o), svc.Selector, target, f)
}

// ---------------------------------------------------------------------------
// Reporting

// MissingSeverityf reports an "X is absent from the input" verdict at a
// given severity; like Missingf it stays silent in partial mode.
func (p *Pass) MissingSeverityf(sev Severity, obj *manifest.Object, path, format string, args ...any) {
	if p.Partial {
		p.Silenced++
		return
	}
	p.ReportSeverityf(sev, obj, path, format, args...)
}

// inMesh says whether a pod's traffic goes through Istio: a sidecar is
// injected, or it is enrolled in ambient mode.
//
// Reads: Namespace labels (see Injection).
func (ix *Index) InMesh(w AnyWorkload) mesh.Tri {
	inj := ix.Injection(w)
	if inj.Ambient {
		return mesh.Yes
	}
	return inj.Sidecar
}

// hasSidecar says whether the pod gets an istio-proxy container (ambient
// pods without explicit injection do not).
//
// Reads: Namespace labels (see Injection).
func (ix *Index) HasSidecar(w AnyWorkload) mesh.Tri {
	inj := ix.Injection(w)
	if inj.Ambient && inj.Sidecar != mesh.Yes {
		return mesh.No
	}
	return inj.Sidecar
}

// singlePort returns the one port an ALLOW policy's rules admit, 0 when
// they admit several or any.
func singlePort(ap *securityv1beta1.AuthorizationPolicy) uint32 {
	port := ""
	for _, r := range ap.GetRules() {
		if len(r.GetTo()) == 0 {
			return 0
		}
		for _, to := range r.GetTo() {
			ps := to.GetOperation().GetPorts()
			if len(ps) != 1 || (port != "" && port != ps[0]) {
				return 0
			}
			port = ps[0]
		}
	}
	return PortOr(port, 0)
}

// LocalTrustDomains are the trust domains a principal may name and still
// mean this mesh: cluster.local always (Istio treats it as a pointer to the
// local trust domain), the mesh trust domain and its aliases.
// The result may be shared: read it, do not modify it.
func LocalTrustDomains(f mesh.Facts) []string {
	if f.Domain() == mesh.DefaultTrustDomain && len(f.TrustAliases) == 0 {
		return onlyDefaultTrustDomain[:1:1] // the common case, without allocating
	}
	tds := []string{mesh.DefaultTrustDomain}
	if d := f.Domain(); d != mesh.DefaultTrustDomain {
		tds = append(tds, d)
	}
	for _, a := range f.TrustAliases {
		if a != "" && !slices.Contains(tds, a) {
			tds = append(tds, a)
		}
	}
	return tds
}

// IstioMatch is Istio's string matching for policy values: "*" matches any
// non-empty value, a leading "*" is a suffix match, a trailing "*" a prefix
// match, anything else (including a "*" in the middle) is exact.
func IstioMatch(pattern, value string) bool {
	switch {
	case pattern == "*":
		return value != ""
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(value, pattern[1:])
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(value, pattern[:len(pattern)-1])
	}
	return pattern == value
}

// CredentialName reports whether an env var name looks like it holds a
// secret; meshbatch never reads or prints such values.
func CredentialName(name string) bool {
	n := strings.ToUpper(name)
	for _, w := range []string{"PASSWORD", "PASSWD", "TOKEN", "SECRET", "KEY", "CREDENTIAL"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func PortOr(s string, def uint32) uint32 {
	if n, err := strconv.ParseUint(s, 10, 16); err == nil && n > 0 {
		return uint32(n)
	}
	return def
}

package rules

import (
	securityv1beta1 "istio.io/api/security/v1beta1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// MTLS is the inbound mTLS mode in effect for a workload port.
type MTLS struct {
	// Mode is STRICT, PERMISSIVE or DISABLE; "" when no loaded policy
	// applies, in which case Istio uses PERMISSIVE.
	Mode string
	// Source is the PeerAuthentication that decided, nil when none did.
	Source *manifest.Object
}

// EffectiveMTLS applies PeerAuthentication precedence for pods with these
// labels in namespace ns, on a container port (0 for "any port"): a
// workload policy (non-empty selector) beats the namespace-wide one, which
// beats the mesh-wide one in the root namespace; UNSET inherits from the
// next level; port-level settings of the workload policy win for their
// port. Among policies of one level the first in the input wins (Istio
// picks the oldest, which files do not tell).
//
// Reads: PeerAuthentication spec.
func (ix *Index) EffectiveMTLS(ns string, podLabels map[string]string, port uint32, f mesh.Facts) MTLS {
	var workload, namespace, mesh *manifest.Object
	for _, o := range ix.InNamespace("PeerAuthentication", ns) {
		pa := PeerAuthentication(o)
		if len(pa.GetSelector().GetMatchLabels()) == 0 {
			if namespace == nil {
				namespace = o
			}
		} else if workload == nil && ns != f.Root() && SelectorMatches(pa.GetSelector(), podLabels) {
			workload = o
		}
	}
	for _, o := range ix.InNamespace("PeerAuthentication", f.Root()) {
		if len(PeerAuthentication(o).GetSelector().GetMatchLabels()) == 0 {
			mesh = o
			break
		}
	}
	if ns == f.Root() {
		namespace = nil // the root namespace's policy is the mesh-wide one
	}
	if workload != nil {
		pa := PeerAuthentication(workload)
		if m := pa.GetPortLevelMtls()[port]; port != 0 && m != nil && m.GetMode() != securityv1beta1.PeerAuthentication_MutualTLS_UNSET {
			return MTLS{Mode: m.GetMode().String(), Source: workload}
		}
		if m := pa.GetMtls().GetMode(); m != securityv1beta1.PeerAuthentication_MutualTLS_UNSET {
			return MTLS{Mode: m.String(), Source: workload}
		}
	}
	for _, o := range []*manifest.Object{namespace, mesh} {
		if o == nil {
			continue
		}
		if m := PeerAuthentication(o).GetMtls().GetMode(); m != securityv1beta1.PeerAuthentication_MutualTLS_UNSET {
			return MTLS{Mode: m.String(), Source: o}
		}
	}
	return MTLS{}
}

// MeshMTLS is the mode the mesh-wide PeerAuthentication (selector-less, in
// the root namespace) sets, for hosts that span namespaces.
//
// Reads: PeerAuthentication spec.
func (ix *Index) MeshMTLS(f mesh.Facts) MTLS {
	for _, o := range ix.InNamespace("PeerAuthentication", f.Root()) {
		pa := PeerAuthentication(o)
		if len(pa.GetSelector().GetMatchLabels()) != 0 {
			continue
		}
		if m := pa.GetMtls().GetMode(); m != securityv1beta1.PeerAuthentication_MutualTLS_UNSET {
			return MTLS{Mode: m.String(), Source: o}
		}
		break
	}
	return MTLS{}
}

// Objects is the policy that decided, for Pass.Because; none when none did.
func (m MTLS) Objects() []*manifest.Object {
	if m.Source == nil {
		return nil
	}
	return []*manifest.Object{m.Source}
}

// Describe names the policy that decided, for messages.
func (m MTLS) Describe() string {
	if m.Source == nil {
		return "no PeerAuthentication applies (PERMISSIVE)"
	}
	return m.Source.Ref() + " sets " + m.Mode
}

package checks

import (
	"fmt"
	"slices"
	"strconv"

	securityv1beta1 "istio.io/api/security/v1beta1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// PADisableAmbient flags PeerAuthentication DISABLE where ztunnel does not
// support it.
var PADisableAmbient = &rules.Rule{
	ID:       "MB505",
	Slug:     "pa-disable-ambient",
	Severity: rules.Warning,
	Summary:  "PeerAuthentication DISABLE applies to ambient workloads, where it is not supported",
	Rationale: "In ambient mode ztunnel always carries mesh traffic over mTLS (HBONE), and the PeerAuthentication API states " +
		"that DISABLE is not supported there. istiod treats it like PERMISSIVE when it programs ztunnel: mesh clients " +
		"keep using mTLS and plaintext clients are accepted, so nothing breaks, but the policy does not do what it says " +
		"and hides the real mode. The domain catalogue proposed an error; the effect (PERMISSIVE instead of DISABLE) is " +
		"a misleading policy, not an outage, hence a warning. Ambient enrollment is read from the istio.io/dataplane-mode " +
		"label of the Namespace (when loaded) and of the selected pod templates.",
	Remediation: "Use PERMISSIVE (or STRICT) for ambient workloads, or take the workload out of ambient " +
		"(istio.io/dataplane-mode: none) if it really needs mTLS disabled.",
	Kinds: []string{"PeerAuthentication", "Namespace", "Deployment", "StatefulSet", "Job", "CronJob", "Pod"},
	Reads: rules.Reads{Loop: []string{"PeerAuthentication"}, Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/api security/v1beta1/peer_authentication.proto (\"DISABLE mode is not supported\" in ambient)",
		"istio/istio pilot/pkg/serviceregistry/ambient/authorization.go (DISABLE handled as PERMISSIVE)",
	},
	Bad: `apiVersion: v1
kind: Namespace
metadata:
  name: batch
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: batch}
spec:
  mtls: {mode: DISABLE}
`,
	Good: `apiVersion: v1
kind: Namespace
metadata:
  name: batch
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: batch}
spec:
  mtls: {mode: PERMISSIVE}
`,
	Check: checkPADisableAmbient,
}

func checkPADisableAmbient(p *rules.Pass) {
	for _, o := range p.Index.OfKind("PeerAuthentication") {
		pa := rules.PeerAuthentication(o)
		var paths []string
		if pa.GetMtls().GetMode() == securityv1beta1.PeerAuthentication_MutualTLS_DISABLE {
			paths = append(paths, "spec.mtls.mode")
		}
		for _, port := range sortedPorts(pa.GetPortLevelMtls()) {
			if pa.GetPortLevelMtls()[port].GetMode() == securityv1beta1.PeerAuthentication_MutualTLS_DISABLE {
				paths = append(paths, "spec.portLevelMtls"+pathKey(strconv.Itoa(int(port)))+".mode")
			}
		}
		if len(paths) == 0 {
			continue
		}
		ns := rules.NamespaceOf(o)
		sel := pa.GetSelector().GetMatchLabels()
		var why string
		if nsObj := p.Index.Namespace(ns); nsObj != nil && nsObj.Labels[mesh.LabelDataplaneMode] == "ambient" && len(sel) == 0 {
			why = fmt.Sprintf("namespace %s is enrolled in ambient mode", ns)
		} else {
			for _, w := range p.Index.SelectedWorkloads(ns, sel) {
				if p.Index.Injection(w).Ambient && p.Index.HasSidecar(w) == mesh.No {
					why = w.Object().Ref() + " it applies to is an ambient workload"
					break
				}
			}
		}
		if why == "" {
			continue
		}
		for _, path := range paths {
			p.Reportf(o, path, "%s sets DISABLE, but %s: ztunnel does not support DISABLE and treats it as PERMISSIVE", o.Ref(), why)
		}
	}
}

// sortedPorts returns a portLevelMtls map's ports in order.
func sortedPorts[V any](m map[uint32]V) []uint32 {
	out := make([]uint32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

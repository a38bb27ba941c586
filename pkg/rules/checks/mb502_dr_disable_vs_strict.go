package checks

import (
	"strings"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// DRDisableVsStrict catches client-side plaintext toward servers that only
// accept mTLS.
var DRDisableVsStrict = &rules.Rule{
	ID:       "MB502",
	Slug:     "dr-disable-vs-strict",
	Severity: rules.Error,
	Summary:  "DestinationRule turns TLS off for a host whose workloads require STRICT mTLS",
	Rationale: "A DestinationRule tls.mode: DISABLE makes every client sidecar it applies to send plaintext, overriding " +
		"auto-mTLS. When the destination's effective PeerAuthentication is STRICT (workload policy and its port-level " +
		"setting, else namespace policy, else the mesh-wide policy in the root namespace), the server sidecar resets " +
		"those connections: clients see \"connection reset by peer\" or 503 UF/URX. The rule resolves the host to a " +
		"Service (its selector stands for the pod labels, and a port-level setting's Service port is mapped to the " +
		"container port) or, for wildcard hosts, to the namespace-wide or mesh-wide policy. Destinations enrolled in " +
		"ambient mode are skipped: a sidecar reaches them over HBONE, which carries mTLS whatever the tls block says. " +
		"Kiali reports the same conflict on live clusters (KIA0207, KIA0208).",
	Remediation: "Remove tls.mode: DISABLE (auto-mTLS then sends Istio mTLS to sidecar'd servers), or set ISTIO_MUTUAL; " +
		"if the server really must accept plaintext, make its PeerAuthentication PERMISSIVE for that port instead.",
	Kinds: []string{"DestinationRule", "PeerAuthentication", "Service"},
	Reads: rules.Reads{
		Loop:   []string{"DestinationRule"},
		Spec:   []string{"PeerAuthentication", "Service"},
		Labels: []string{"Namespace"},
	},
	Sources: []string{
		"kiali/kiali business/checkers/destinationrules (KIA0207, KIA0208)",
		"istio/api networking/v1alpha3/destination_rule.proto (ClientTLSSettings DISABLE)",
		"istio/api security/v1beta1/peer_authentication.proto (STRICT)",
	},
	Bad: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: database}
spec:
  mtls: {mode: STRICT}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: postgres, namespace: batch}
spec:
  host: postgres.database.svc.cluster.local
  trafficPolicy:
    tls: {mode: DISABLE}
`,
	Good: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: database}
spec:
  mtls: {mode: STRICT}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: postgres, namespace: batch}
spec:
  host: postgres.database.svc.cluster.local
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
`,
	Check: checkDRDisableVsStrict,
}

func checkDRDisableVsStrict(p *rules.Pass) {
	for _, o := range p.Index.OfKind("DestinationRule") {
		host := strings.ToLower(rules.FQDN(rules.DestinationRule(o).GetHost(), rules.NamespaceOf(o)))
		for _, s := range tlsSites(o) {
			if s.TLS.GetMode() != networking.ClientTLSSettings_DISABLE {
				continue
			}
			m, what := hostMTLS(p, host, s.Port)
			if m.Mode != "STRICT" || ambientHost(p, host) {
				continue
			}
			p.Because(m.Objects()...).Reportf(o, s.ModePath(),
				"%s sends plaintext to %s (%s) but %s, where %s: the server sidecar resets the connections",
				o.Ref(), host, s.Where(), what, m.Describe())
		}
	}
}

// hostMTLS is the mTLS mode the workloads behind a DestinationRule host
// accept on a Service port (0: any): a Service host resolves through the
// Service, "*.ns.svc.cluster.local" to the namespace-wide policy, and the
// mesh-wide wildcards to the mesh-wide policy. External hosts have none.
func hostMTLS(p *rules.Pass, fqdn string, port uint32) (rules.MTLS, string) {
	if rest, ok := strings.CutPrefix(fqdn, "*."); ok {
		labels := strings.Split(rest, ".")
		switch {
		case len(labels) == 4 && labels[1] == "svc" && labels[2] == "cluster" && labels[3] == "local":
			return p.Index.EffectiveMTLS(labels[0], nil, 0, p.Facts), "it spans namespace " + labels[0]
		case rest == "svc.cluster.local" || rest == "cluster.local" || rest == "local":
			return p.Index.MeshMTLS(p.Facts), "it spans the mesh"
		}
		return rules.MTLS{}, ""
	}
	if fqdn == "*" {
		return p.Index.MeshMTLS(p.Facts), "it spans the mesh"
	}
	labels := strings.Split(fqdn, ".")
	if len(labels) == 5 && labels[2] == "svc" && strings.HasSuffix(fqdn, ".svc.cluster.local") {
		h := rules.ClusterHost{Name: labels[0], Namespace: labels[1]}
		if p.Index.Service(h.FQDN()) != nil {
			return p.Index.ServiceMTLS(h, port, p.Facts), "it is Service " + h.Namespace + "/" + h.Name
		}
		return p.Index.ServiceMTLS(h, port, p.Facts), "it is a Service in namespace " + h.Namespace
	}
	return rules.MTLS{}, ""
}

// ambientHost reports whether the workloads behind a cluster host are
// enrolled in ambient mode, as far as the input shows: a sidecar then
// reaches them over HBONE whatever the DestinationRule says.
func ambientHost(p *rules.Pass, fqdn string) bool {
	labels := strings.Split(strings.TrimPrefix(fqdn, "*."), ".")
	if len(labels) < 2 {
		return false
	}
	ns := labels[1]
	if strings.HasPrefix(fqdn, "*.") {
		ns = labels[0]
	}
	if nsObj := p.Index.Namespace(ns); nsObj != nil && nsObj.Labels[mesh.LabelDataplaneMode] == "ambient" {
		return true
	}
	if o := p.Index.Service(fqdn); o != nil {
		ws := p.Index.SelectedWorkloads(ns, rules.ServiceSpec(o).Selector)
		for _, w := range ws {
			if !p.Index.Injection(w).Ambient || p.Index.HasSidecar(w) != mesh.No {
				return false
			}
		}
		return len(ws) > 0
	}
	return false
}

package checks

import (
	"strings"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// IstioMutualToExternal catches Istio mTLS sent to services outside the
// mesh, which cannot verify it.
var IstioMutualToExternal = &rules.Rule{
	ID:       "MB605",
	Slug:     "istio-mutual-to-external",
	Severity: rules.Error,
	Summary:  "Istio mTLS is sent to a MESH_EXTERNAL service that has no Istio certificate",
	Rationale: "ISTIO_MUTUAL presents the workload's Istio certificate and expects the server to present one signed by " +
		"the mesh CA with the destination's SPIFFE identity. An external database or API has neither, so the handshake " +
		"fails (503 UF, \"upstream connect error ... CERTIFICATE_VERIFY_FAILED\"). It happens with a DestinationRule " +
		"tls.mode: ISTIO_MUTUAL for a host declared MESH_EXTERNAL, often a copy of a mesh-wide default. The domain " +
		"catalogue also listed auto-mTLS through a serviceAccount or security.istio.io/tlsMode label on a MESH_EXTERNAL " +
		"endpoint; Istio's cluster builder never applies auto-mTLS to MESH_EXTERNAL services, so only the explicit " +
		"DestinationRule is checked.",
	Remediation: "For an external host use tls.mode SIMPLE (TLS origination) or DISABLE (the app does TLS).",
	Kinds:       []string{"DestinationRule", "ServiceEntry"},
	Reads:       rules.Reads{Loop: []string{"DestinationRule"}, Spec: []string{"ServiceEntry"}},
	Sources: []string{
		"istio/api networking/v1alpha3/destination_rule.proto (ClientTLSSettings ISTIO_MUTUAL)",
		"istio/istio pilot/pkg/networking/core/cluster_tls.go buildUpstreamTLSSettings (no auto-mTLS for MESH_EXTERNAL)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: payments-api, namespace: batch}
spec:
  hosts: [api.payments.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - {number: 443, name: tls, protocol: TLS}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: payments-api, namespace: batch}
spec:
  host: api.payments.example.com
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
`,
	Good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: payments-api, namespace: batch}
spec:
  hosts: [api.payments.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - {number: 443, name: tls, protocol: TLS}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: payments-api, namespace: batch}
spec:
  host: api.payments.example.com
  trafficPolicy:
    tls: {mode: DISABLE}
`,
	Check: checkIstioMutualToExternal,
}

func checkIstioMutualToExternal(p *rules.Pass) {
	for _, o := range p.Index.OfKind("DestinationRule") {
		ns := rules.NamespaceOf(o)
		host := strings.ToLower(rules.FQDN(rules.DestinationRule(o).GetHost(), ns))
		var external *manifest.Object
		for _, se := range p.Index.VisibleServiceEntries(host, ns) {
			if isMeshExternal(se) {
				external = se
				break
			}
		}
		if external == nil {
			continue
		}
		for _, s := range tlsSites(o) {
			if s.TLS.GetMode() == networking.ClientTLSSettings_ISTIO_MUTUAL {
				p.Because(external).Reportf(o, s.ModePath(),
					"%s sends Istio mTLS to %s (%s), which %s declares MESH_EXTERNAL: the external server has no mesh "+
						"certificate and the handshake fails", o.Ref(), host, s.Where(), external.Ref())
			}
		}
	}
}

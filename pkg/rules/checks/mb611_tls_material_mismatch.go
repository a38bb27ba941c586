package checks

import (
	"strings"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TLSMaterialMismatch checks that a tls block carries the certificate
// material its mode needs, and none that its mode ignores.
var TLSMaterialMismatch = &rules.Rule{
	ID:       "MB611",
	Slug:     "tls-material-mismatch",
	Severity: rules.Error,
	Summary:  "DestinationRule MUTUAL lacks its client certificate, or ISTIO_MUTUAL carries certificates it ignores",
	Rationale: "tls.mode MUTUAL presents a client certificate of your own: it needs clientCertificate and privateKey (file " +
		"paths mounted into the sidecar) or a credentialName. Without them Istio's validation rejects the rule " +
		"(\"client certificate required for mutual tls\"), and where it got in anyway istiod fails to build the cluster " +
		"and the host gets no TLS settings. ISTIO_MUTUAL uses the workload's Istio certificate and the mesh CA: " +
		"clientCertificate, privateKey, caCertificates, caCrl and credentialName are ignored there, and istioctl analyze " +
		"stays silent about it, which usually hides a rule meant to be MUTUAL (a warning).",
	Remediation: "For MUTUAL set clientCertificate and privateKey (or credentialName with a workloadSelector); for ISTIO_MUTUAL " +
		"delete the certificate fields, or switch to MUTUAL if the server expects your own certificate.",
	Kinds: []string{"DestinationRule"},
	Reads: rules.Reads{Loop: []string{"DestinationRule"}},
	Sources: []string{
		"istio/istio pkg/config/validation/agent/validation.go ValidateTLS (client certificate/private key required for mutual tls)",
		"istio/api networking/v1alpha3/destination_rule.proto (ISTIO_MUTUAL: other fields should be empty)",
		"istioctl analyze: ISTIO_MUTUAL with caCertificates produces no message (exp)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: partner-api, namespace: batch}
spec:
  host: api.partner.example.com
  trafficPolicy:
    tls:
      mode: MUTUAL
      sni: api.partner.example.com
`,
	Good: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: partner-api, namespace: batch}
spec:
  host: api.partner.example.com
  trafficPolicy:
    tls:
      mode: MUTUAL
      clientCertificate: /etc/partner/tls.crt
      privateKey: /etc/partner/tls.key
      sni: api.partner.example.com
      subjectAltNames: [api.partner.example.com]
`,
	Check: checkTLSMaterialMismatch,
}

func checkTLSMaterialMismatch(p *rules.Pass) {
	for _, o := range p.Index.OfKind("DestinationRule") {
		for _, s := range tlsSites(o) {
			t := s.TLS
			switch t.GetMode() {
			case networking.ClientTLSSettings_MUTUAL:
				if t.GetCredentialName() != "" {
					continue
				}
				var missing []string
				if t.GetClientCertificate() == "" {
					missing = append(missing, "clientCertificate")
				}
				if t.GetPrivateKey() == "" {
					missing = append(missing, "privateKey")
				}
				if len(missing) > 0 {
					p.Reportf(o, s.ModePath(),
						"%s sets tls.mode MUTUAL (%s) without %s and without credentialName: Istio rejects it (\"client "+
							"certificate required for mutual tls\")", o.Ref(), s.Where(), strings.Join(missing, " and "))
				}
			case networking.ClientTLSSettings_ISTIO_MUTUAL:
				for _, f := range []struct{ name, val string }{
					{"clientCertificate", t.GetClientCertificate()}, {"privateKey", t.GetPrivateKey()},
					{"caCertificates", t.GetCaCertificates()}, {"caCrl", t.GetCaCrl()}, {"credentialName", t.GetCredentialName()},
				} {
					if f.val == "" {
						continue
					}
					p.ReportSeverityf(rules.Warning, o, s.Path+"."+f.name,
						"%s sets %s on tls.mode ISTIO_MUTUAL (%s), which ignores it and uses the workload's Istio certificate: "+
							"if the server expects this certificate, the mode should be MUTUAL", o.Ref(), f.name, s.Where())
					break
				}
			}
		}
	}
}

package checks

import (
	"strings"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// DRCredentialNameNoSelector catches credentialName on a DestinationRule
// that sidecars will apply without it: they then send plaintext.
var DRCredentialNameNoSelector = &rules.Rule{
	ID:       "MB608",
	Slug:     "dr-credentialname-no-selector",
	Severity: rules.Error,
	Summary:  "DestinationRule uses credentialName without workloadSelector, so sidecars originate no TLS at all",
	Rationale: "credentialName makes a proxy fetch a Kubernetes Secret over SDS. Gateways may; sidecars may only when the " +
		"DestinationRule has a workloadSelector, so that the secret is not handed to every pod in scope. For a " +
		"selector-less rule with tls.mode SIMPLE or MUTUAL and a credentialName, istiod builds the sidecar's cluster " +
		"with no TLS at all: the Job's plaintext goes out as plaintext (it fails open), and an mTLS-only server rejects " +
		"it. credentialName: configmap://<name> (a CA bundle from a ConfigMap) is exempt. A rule whose host a " +
		"VirtualService routes through a Gateway is assumed to be meant for that (egress) gateway and is not reported; " +
		"one in the root namespace is reported as a warning.",
	Remediation: "Add spec.workloadSelector.matchLabels selecting the client pods (and keep the Secret in their namespace), " +
		"or use caCertificates/clientCertificate/privateKey file paths mounted into the sidecar.",
	Kinds: []string{"DestinationRule", "VirtualService"},
	Reads: rules.Reads{Loop: []string{"DestinationRule"}, Spec: []string{"VirtualService"}},
	Sources: []string{
		"istio/istio pilot/pkg/networking/core/cluster_tls.go buildUpstreamClusterTLSContext (no TLS context for sidecars without workloadSelector)",
		"istio/api networking/v1alpha3/destination_rule.proto (credential_name, workload_selector)",
		"istio.io docs/tasks/traffic-management/egress/egress-tls-origination (mutual TLS origination)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: partner-api, namespace: batch}
spec:
  host: api.partner.example.com
  trafficPolicy:
    tls:
      mode: MUTUAL
      credentialName: partner-client-cert
      sni: api.partner.example.com
`,
	Good: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: partner-api, namespace: batch}
spec:
  host: api.partner.example.com
  workloadSelector:
    matchLabels: {app: export}
  trafficPolicy:
    tls:
      mode: MUTUAL
      credentialName: partner-client-cert
      sni: api.partner.example.com
`,
	Check: checkDRCredentialNameNoSelector,
}

func checkDRCredentialNameNoSelector(p *rules.Pass) {
	var viaGateway map[string]bool
	for _, o := range p.Index.OfKind("DestinationRule") {
		dr := rules.DestinationRule(o)
		if len(dr.GetWorkloadSelector().GetMatchLabels()) > 0 {
			continue
		}
		ns := rules.NamespaceOf(o)
		host := strings.ToLower(rules.FQDN(dr.GetHost(), ns))
		for _, s := range tlsSites(o) {
			cn := s.TLS.GetCredentialName()
			if !originates(s.TLS) || cn == "" || strings.HasPrefix(cn, "configmap://") {
				continue
			}
			if viaGateway == nil {
				viaGateway = gatewayRoutedHosts(p.Index)
			}
			if viaGateway[host] {
				continue
			}
			sev := rules.Error
			note := ""
			if ns == p.Facts.Root() {
				sev, note = rules.Warning, " (it is in the root namespace; if only an egress gateway uses it, this does not matter)"
			}
			p.ReportSeverityf(sev, o, s.Path+".credentialName",
				"%s originates TLS to %s (%s) with credentialName %s but has no workloadSelector: sidecars ignore the whole tls "+
					"block and send plaintext%s", o.Ref(), host, s.Where(), cn, note)
		}
	}
}

// gatewayRoutedHosts are the hosts of VirtualServices bound to a gateway
// other than the sidecars' "mesh".
func gatewayRoutedHosts(ix *rules.Index) map[string]bool {
	out := map[string]bool{}
	for _, o := range ix.Every("VirtualService") {
		vs := o.Typed.(*networkingv1.VirtualService)
		gw := false
		for _, g := range vs.Spec.GetGateways() {
			if g != "mesh" {
				gw = true
			}
		}
		if !gw {
			continue
		}
		for _, h := range vs.Spec.GetHosts() {
			out[strings.ToLower(rules.FQDN(h, rules.NamespaceOf(o)))] = true
		}
	}
	return out
}

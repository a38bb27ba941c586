package checks

import (
	"fmt"
	"strings"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// configMapCredential is the credentialName prefix of a CA bundle read from
// a ConfigMap (Istio >= 1.26), which istiod hands to any proxy.
const configMapCredential = "configmap://"

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
		"it. From Istio 1.26 a credentialName of the form configmap://<namespace>/<name> (a CA bundle from a ConfigMap) " +
		"is exempt; before 1.26 that prefix does not exist, the value is an ordinary Secret name and the rule applies, " +
		"so without --istio-version such a rule is reported as a warning that says so. A rule whose host a " +
		"VirtualService routes through a Gateway is assumed to be meant for that (egress) gateway and is not reported; " +
		"one in the root namespace is reported as a warning.",
	Remediation: "Add spec.workloadSelector.matchLabels selecting the client pods (and keep the Secret in their namespace), " +
		"or use caCertificates/clientCertificate/privateKey file paths mounted into the sidecar.",
	Kinds: []string{"DestinationRule", "VirtualService"},
	Reads: rules.Reads{Loop: []string{"DestinationRule"}, Spec: []string{"VirtualService"}},
	Sources: []string{
		"istio/istio pilot/pkg/networking/core/cluster_tls.go buildUpstreamClusterTLSContext (no TLS context for sidecars without workloadSelector)",
		"istio/istio pilot/pkg/networking/core/cluster_tls.go@1.26.0 (configmap:// credentials exempt; not at 1.25.0), pilot/pkg/model/credentials/resource.go@1.26.0 (KubernetesConfigMapTypeURI)",
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
			if !originates(s.TLS) || cn == "" {
				continue
			}
			sev, note := rules.Error, ""
			if strings.HasPrefix(cn, configMapCredential) {
				// The prefix, and the exemption, exist from Istio 1.26.0.
				switch v := p.Facts.IstioVersion; v.AtLeast(1, 26) {
				case mesh.Yes:
					continue
				case mesh.No:
					note = fmt.Sprintf(" (Istio %s has no %s credentials, added in 1.26: it takes %s for the name of a Secret)", v, configMapCredential, cn)
				default:
					sev, note = rules.Warning, fmt.Sprintf(" (assumed Istio < 1.26, where %s is an ordinary Secret name; "+
						"from 1.26 a CA bundle from a ConfigMap is allowed here: pass --istio-version)", configMapCredential)
				}
			}
			if viaGateway == nil {
				viaGateway = gatewayRoutedHosts(p.Index)
			}
			if viaGateway[host] {
				continue
			}
			if ns == p.Facts.Root() {
				sev, note = rules.Warning, note+" (it is in the root namespace; if only an egress gateway uses it, this does not matter)"
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

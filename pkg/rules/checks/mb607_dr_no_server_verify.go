package checks

import (
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// DRNoServerVerify checks that TLS origination verifies the server: its
// certificate chain and the name in it.
var DRNoServerVerify = &rules.Rule{
	ID:       "MB607",
	Slug:     "dr-no-server-verify",
	Severity: rules.Warning,
	Summary:  "DestinationRule originates TLS without verifying the server's certificate or its name",
	Rationale: "What Istio verifies when a DestinationRule originates TLS (SIMPLE or MUTUAL) depends on the version. From " +
		"Istio 1.21 an empty caCertificates means the OS CA bundle (VERIFY_CERTIFICATE_AT_CLIENT became the default, and " +
		"the flag was removed in 1.24); before 1.21 it meant no verification at all unless istiod set that flag. So " +
		"istioctl's IST0128 (\"no caCertificates\") no longer describes the risk. The chain is only half of it: with " +
		"the public CAs, any certificate any CA issued for any name passes unless the name is checked. Istio checks it " +
		"against subjectAltNames (the DestinationRule's, else the ServiceEntry's); when both are empty and sni is empty " +
		"too, ENABLE_AUTO_SNI (default from 1.21) sends the HTTP Host as SNI and validates the certificate against it, " +
		"but only for HTTP traffic. So the rule warns when insecureSkipVerify is true; when a public-CA origination " +
		"sets sni but no subjectAltNames (the name is never checked), or sets neither on a TCP or TLS port (no SNI, no " +
		"check); and, with --istio-version below 1.21, when caCertificates is empty. Without --istio-version the rule " +
		"assumes a supported Istio (1.21 went out of support in 2024). meshbatch generate's shape, tls: {mode: SIMPLE, " +
		"sni: <host>, subjectAltNames: [<host>]}, is verified on every Istio from 1.21.",
	Remediation: "Set subjectAltNames to the server's DNS name (and sni to the same name), keep insecureSkipVerify off, and set " +
		"caCertificates (or credentialName) when the server's certificate is not from a public CA or Istio is older than 1.21.",
	Kinds: []string{"DestinationRule", "ServiceEntry", "Service"},
	Reads: rules.Reads{Loop: []string{"DestinationRule"}, Spec: []string{"Service", "ServiceEntry"}},
	Sources: []string{
		"istio/istio pilot/pkg/networking/core/cluster_tls.go (constructUpstreamTLS: CaCertificatePath defaults to system; setAutoSniAndAutoSanValidation)",
		"istio.io news/releases/1.21.x/announcing-1.21/upgrade-notes (VERIFY_CERT_AT_CLIENT and ENABLE_AUTO_SNI default true)",
		"istio.io news/releases/1.24.x change notes (VERIFY_CERTIFICATE_AT_CLIENT removed)",
		"istio.io docs/ops/best-practices/security (TLS origination: caCertificates, subjectAltNames, sni)",
		"istioctl analyze IST0128, IST0129",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: rates-api, namespace: batch}
spec:
  host: api.exchangerate.example.com
  trafficPolicy:
    tls:
      mode: SIMPLE
      insecureSkipVerify: true
`,
	Good: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: rates-api, namespace: batch}
spec:
  host: api.exchangerate.example.com
  trafficPolicy:
    tls:
      mode: SIMPLE
      sni: api.exchangerate.example.com
      subjectAltNames: [api.exchangerate.example.com]
`,
	Check: checkDRNoServerVerify,
}

func checkDRNoServerVerify(p *rules.Pass) {
	for _, o := range p.Index.OfKind("DestinationRule") {
		ns := rules.NamespaceOf(o)
		host := strings.ToLower(rules.FQDN(rules.DestinationRule(o).GetHost(), ns))
		var ports []rules.KnownPort
		portsDone := false
		seSANs := false
		for _, se := range p.Index.VisibleServiceEntries(host, ns) {
			if len(rules.ServiceEntry(se).GetSubjectAltNames()) > 0 {
				seSANs = true
			}
		}
		for _, s := range tlsSites(o) {
			if !originates(s.TLS) {
				continue
			}
			if !portsDone {
				ports, portsDone = p.Index.HostPortsOf(host, ns), true
			}
			checkServerVerify(p, o, host, s, ports, seSANs)
		}
	}
}

func checkServerVerify(p *rules.Pass, o *manifest.Object, host string, s tlsSite, ports []rules.KnownPort, seSANs bool) {
	t := s.TLS
	if t.GetInsecureSkipVerify().GetValue() {
		p.Reportf(o, s.Path+".insecureSkipVerify",
			"%s originates TLS to %s (%s) with insecureSkipVerify: the server's certificate is not verified, so anyone on "+
				"the path can impersonate it", o.Ref(), host, s.Where())
		return
	}
	publicCAs := t.GetCaCertificates() == "" || t.GetCaCertificates() == "system"
	if t.GetCredentialName() != "" {
		publicCAs = false
	}
	v121 := p.Facts.IstioVersion.AtLeast(1, 21)
	if t.GetCaCertificates() == "" && t.GetCredentialName() == "" && v121 == mesh.No {
		p.Reportf(o, s.ModePath(),
			"%s originates TLS to %s (%s) without caCertificates: Istio %s verifies no server certificate then, unless "+
				"istiod runs with VERIFY_CERTIFICATE_AT_CLIENT=true (the default only from 1.21)", o.Ref(), host, s.Where(), p.Facts.IstioVersion)
		return
	}
	if publicCAs && len(t.GetSubjectAltNames()) == 0 && !seSANs {
		if t.GetSni() != "" {
			p.Reportf(o, s.Path+".sni",
				"%s originates TLS to %s (%s) with sni %s but no subjectAltNames: the chain is checked against the public "+
					"CAs, the name in the certificate never is, so a certificate any public CA issued for another name is "+
					"accepted; set subjectAltNames: [%s]", o.Ref(), host, s.Where(), t.GetSni(), t.GetSni())
			return
		}
		switch proto := siteProtocol(s, ports); {
		case proto == "HTTP":
			// auto SNI and auto SAN validation from the Host header (Istio >= 1.21)
		case proto != "":
			p.Reportf(o, s.ModePath(),
				"%s originates TLS to %s (%s) on a %s port with neither sni nor subjectAltNames: Istio derives both from the "+
					"HTTP Host header only, so it sends no SNI and never checks the certificate's name; set sni and "+
					"subjectAltNames to the server's name", o.Ref(), host, s.Where(), proto)
			return
		default:
			p.ReportSeverityf(rules.Info, o, s.ModePath(),
				"%s originates TLS to %s (%s) with neither sni nor subjectAltNames: that is verified only for HTTP traffic, "+
					"where Istio takes the name from the Host header, and the port's protocol is not in the input; set sni and "+
					"subjectAltNames to the server's name", o.Ref(), host, s.Where())
			return
		}
	}
}

// siteProtocol is the protocol of the ports a tls block applies to:
// "HTTP" when all are HTTP, the first other protocol otherwise, "" when the
// input does not say (no port, or one left to protocol detection).
func siteProtocol(s tlsSite, ports []rules.KnownPort) string {
	found := false
	for _, kp := range ports {
		if s.Port != 0 && kp.Number != s.Port {
			continue
		}
		switch {
		case kp.Proto == "":
			return "" // left to protocol detection: could be either
		case !httpProtocol(kp.Proto):
			return kp.Proto
		}
		found = true
	}
	if !found {
		return ""
	}
	return "HTTP"
}

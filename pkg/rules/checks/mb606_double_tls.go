package checks

import (
	"fmt"
	"strings"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// DoubleTLS catches TLS origination on a port where the app already speaks
// TLS.
var DoubleTLS = &rules.Rule{
	ID:       "MB606",
	Slug:     "double-tls",
	Severity: rules.Error,
	Summary:  "DestinationRule originates TLS on a port where the app already speaks TLS",
	Rationale: "TLS origination (tls.mode SIMPLE or MUTUAL) is for apps that send plaintext: the sidecar wraps their bytes in " +
		"TLS. A port declared HTTPS or TLS (ServiceEntry protocol, Service port name or appProtocol) says the app already " +
		"sends a ClientHello; originating on top of it sends TLS inside TLS, and the server answers the inner handshake " +
		"with a protocol error (curl: \"wrong version number\", \"SSL routines::packet length too long\"). Istio's egress " +
		"TLS origination task keeps port 443 HTTPS untouched for this reason and originates only on port 80, which the " +
		"app calls with plain HTTP. A policy-wide tls block counts for every port that no port-level setting overrides.",
	Remediation: "Originate TLS only on a plain port (protocol HTTP or TCP, with targetPort 443) that the app calls without " +
		"TLS, or drop the DestinationRule's tls block and let the app do TLS on the HTTPS/TLS port.",
	Kinds: []string{"DestinationRule", "ServiceEntry", "Service"},
	Reads: rules.Reads{
		Loop: []string{"DestinationRule"},
		Spec: []string{"Service", "ServiceEntry", "VirtualService"},
	},
	Sources: []string{
		"istio.io docs/tasks/traffic-management/egress/egress-tls-origination",
		"istio/api networking/v1alpha3/destination_rule.proto (ClientTLSSettings SIMPLE)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: rates-api, namespace: batch}
spec:
  hosts: [api.exchangerate.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - {number: 443, name: https, protocol: HTTPS}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: rates-api, namespace: batch}
spec:
  host: api.exchangerate.example.com
  trafficPolicy:
    tls: {mode: SIMPLE, sni: api.exchangerate.example.com}
`,
	Good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: rates-api, namespace: batch}
spec:
  hosts: [api.exchangerate.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - {number: 80, name: http, protocol: HTTP, targetPort: 443}
    - {number: 443, name: https, protocol: HTTPS}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: rates-api, namespace: batch}
spec:
  host: api.exchangerate.example.com
  trafficPolicy:
    portLevelSettings:
      - port: {number: 80}
        tls: {mode: SIMPLE, sni: api.exchangerate.example.com}
`,
	Check: checkDoubleTLS,
}

func checkDoubleTLS(p *rules.Pass) {
	var routed map[string]*manifest.Object
	for _, o := range p.Index.OfKind("DestinationRule") {
		ns := rules.NamespaceOf(o)
		host := strings.ToLower(rules.FQDN(rules.DestinationRule(o).GetHost(), ns))
		ports := p.Index.HostPortsOf(host, ns)
		if len(ports) == 0 {
			continue
		}
		sites := tlsSites(o)
		for _, s := range sites {
			if !originates(s.TLS) {
				continue
			}
			for _, kp := range ports {
				if !tlsProtocol(kp.Proto) || dbPort(kp.Number, kp.Name) != "" {
					continue // MB603 owns database ports
				}
				if (s.Port != 0 && s.Port != kp.Number) || (s.Port == 0 && coveredByPortLevel(sites, s, kp.Number)) {
					continue
				}
				if routed == nil {
					routed = vsRoutedPorts(p.Index)
				}
				if vs := routed[fmt.Sprintf("%s:%d", host, kp.Number)]; vs != nil {
					p.Because(kp.Source, vs).ReportSeverityf(rules.Warning, o, s.ModePath(),
						"%s originates TLS (%s, %s) to port %d of %s, which %s declares %s: %s sends plain HTTP there, but an "+
							"app that calls port %d with TLS itself gets TLS inside TLS; originate on a separate plain port instead",
						o.Ref(), s.TLS.GetMode(), s.Where(), kp.Number, host, kp.Source.Ref(), kp.Proto, vs.Ref(), kp.Number)
					break
				}
				p.Because(kp.Source).Reportf(o, s.ModePath(),
					"%s originates TLS (%s, %s) to port %d of %s, which %s declares %s: the app already speaks TLS there, "+
						"so the server receives TLS inside TLS", o.Ref(), s.TLS.GetMode(), s.Where(), kp.Number, host, kp.Source.Ref(), kp.Proto)
				break
			}
		}
	}
}

// vsRoutedPorts maps "host:port" to a VirtualService whose HTTP routes send
// traffic to that destination port: the older egress TLS origination
// pattern rewrites plain port 80 to 443 and originates there.
func vsRoutedPorts(ix *rules.Index) map[string]*manifest.Object {
	out := map[string]*manifest.Object{}
	for _, o := range ix.Every("VirtualService") {
		vs := o.Typed.(*networkingv1.VirtualService)
		for _, r := range vs.Spec.GetHttp() {
			for _, d := range r.GetRoute() {
				dst := d.GetDestination()
				if n := dst.GetPort().GetNumber(); n != 0 {
					key := fmt.Sprintf("%s:%d", strings.ToLower(rules.FQDN(dst.GetHost(), rules.NamespaceOf(o))), n)
					if out[key] == nil {
						out[key] = o
					}
				}
			}
		}
	}
	return out
}

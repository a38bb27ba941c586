package generate

import (
	"fmt"
	"net"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

func (v *validator) destinations(j *Job, ds []Destination) {
	names := map[string]int{}
	hosts := map[string]int{}
	for i, d := range ds {
		path := fmt.Sprintf("spec.destinations[%d]", i)
		if v.dnsLabel(path+".name", d.Name, true) {
			if first, dup := names[d.Name]; dup {
				v.errorf(path+".name", "%q is already the name of spec.destinations[%d]", d.Name, first)
			}
			names[d.Name] = i
		}
		v.port(path+".port", d.Port, true)
		switch {
		case d.Service != "" && d.Host != "":
			v.errorf(path, "set service (a Service in the mesh) or host (outside the mesh), not both")
		case d.Service != "":
			if dm, ok := v.inMesh(path, d); ok {
				if first, dup := hosts[dm.Host()]; dup {
					v.errorf(path+".service", "%s is already spec.destinations[%d]; list each destination once", d.Service, first)
				}
				hosts[dm.Host()] = i
				j.InMesh = append(j.InMesh, dm)
			}
		case d.Host != "":
			if de, ok := v.external(j, path, d); ok {
				if first, dup := hosts[de.Host]; dup {
					v.errorf(path+".host", "%s is already spec.destinations[%d]; list each host once", d.Host, first)
				}
				hosts[de.Host] = i
				j.External = append(j.External, de)
			}
		default:
			v.errorf(path, "set service (<service>.<namespace>, a Service in the mesh) or host (a DNS name outside the mesh)")
		}
	}
}

func (v *validator) inMesh(path string, d Destination) (InMeshDestination, bool) {
	n := len(v.probs)
	externalOnly := []struct {
		field string
		set   bool
	}{{"protocol", d.Protocol != ""}, {"tls", d.TLS != ""}, {"appPort", d.AppPort != 0}, {"addresses", len(d.Addresses) > 0}}
	for _, f := range externalOnly {
		if f.set {
			v.errorf(path+"."+f.field, "only for external destinations (host): traffic to a Service in the mesh is Istio mTLS, on the protocol of the Service's port")
		}
	}
	svc, ns, ok := strings.Cut(d.Service, ".")
	if !ok || strings.Contains(ns, ".") || len(validation.IsDNS1123Label(svc)) > 0 || len(validation.IsDNS1123Label(ns)) > 0 {
		v.errorf(path+".service", "%q is not <service>.<namespace> (for example postgres.database)", d.Service)
	}
	if len(d.WorkloadSelector) == 0 {
		v.errorf(path, "workloadSelector is required: the labels of the server's pods, which scope the AuthorizationPolicy "+
			"that admits the job; a policy without a selector applies to the whole namespace of %s and would deny every other client of it", d.Service)
	}
	for _, k := range sortedKeys(d.WorkloadSelector) {
		v.labelPair(path+".workloadSelector"+keySeg(k), k, d.WorkloadSelector[k])
	}
	target := d.TargetPort
	if target == 0 {
		target = d.Port
	} else {
		v.port(path+".targetPort", d.TargetPort, false)
	}
	return InMeshDestination{
		Name: d.Name, Service: svc, Namespace: ns, Port: d.Port, TargetPort: target, Selector: d.WorkloadSelector,
	}, len(v.probs) == n
}

// defaultTLS is who does TLS when a destination does not say: the app for
// protocols that are TLS (or negotiate it inside the protocol), nobody for
// plain ones.
var defaultTLS = map[string]string{
	ProtoHTTP: TLSNone, ProtoGRPC: TLSNone, ProtoTCP: TLSNone,
	ProtoHTTPS: TLSApp, ProtoTLS: TLSApp, ProtoPostgres: TLSApp, ProtoMySQL: TLSApp,
}

func (v *validator) external(j *Job, path string, d Destination) (ExternalDestination, bool) {
	n := len(v.probs)
	if len(d.WorkloadSelector) > 0 {
		v.errorf(path+".workloadSelector", "only for in-mesh destinations (service): a host outside the mesh has no pods to select")
	}
	if d.TargetPort != 0 {
		v.errorf(path+".targetPort", "only for in-mesh destinations (service); for a host, port is the server's port")
	}
	host := d.Host
	switch {
	case net.ParseIP(host) != nil:
		v.errorf(path+".host", "%q is an IP address: name the host by its DNS name and put the address in addresses", host)
	case strings.Contains(host, "*"):
		v.errorf(path+".host", "%q: a wildcard host cannot be resolved by DNS; list each host", host)
	case strings.HasSuffix(host, ".svc.cluster.local") || strings.HasSuffix(host, ".svc"):
		v.errorf(path+".host", "%q is a Service in the cluster: use service: <service>.<namespace> so that the job gets an mTLS policy", host)
	case len(validation.IsDNS1123Subdomain(host)) > 0:
		v.errorf(path+".host", "%q is not a DNS name", host)
	}
	for i, a := range d.Addresses {
		if net.ParseIP(a) == nil {
			if _, _, err := net.ParseCIDR(a); err != nil {
				v.errorf(fmt.Sprintf("%s.addresses[%d]", path, i), "%q is not an IP address or CIDR", a)
			}
		}
	}
	proto := d.Protocol
	tls, ok := defaultTLS[proto]
	switch {
	case proto == "":
		v.errorf(path, "protocol is required for a host outside the mesh: one of %s", strings.Join(protocols, ", "))
		return ExternalDestination{}, false
	case !ok:
		v.enumError(path+".protocol", proto, protocols)
		return ExternalDestination{}, false
	}
	if d.TLS != "" {
		tls = d.TLS
	}
	switch tls {
	case TLSApp, TLSNone, TLSOriginate:
	default:
		v.enumError(path+".tls", tls, []string{TLSApp, TLSOriginate, TLSNone})
		return ExternalDestination{}, false
	}
	if msg := tlsContradiction(proto, tls); msg != "" {
		v.errorf(path+".tls", "%s", msg)
	}
	if tls == TLSOriginate && j.Mode == ModeAmbient {
		v.errorf(path+".tls", "originate needs a sidecar: in ambient mode ztunnel only carries TCP and cannot originate TLS; let the app speak TLS (protocol: HTTPS or TLS with tls: app), or use dataplane: native-sidecar")
	}
	if tls == TLSOriginate && j.IstioVersion.AtLeast(1, 21) == mesh.No {
		plain := map[string]string{ProtoHTTP: ProtoHTTPS, ProtoGRPC: ProtoTLS, ProtoTCP: ProtoTLS}[proto]
		v.errorf(path+".tls", "originate on Istio %s would not verify the server's certificate: before 1.21 a DestinationRule without "+
			"caCertificates checks none (unless istiod runs with VERIFY_CERTIFICATE_AT_CLIENT=true); let the app speak TLS "+
			"(protocol: %s with tls: app), or upgrade Istio to 1.21", j.IstioVersion, cmpOr(plain, ProtoTLS))
	}
	app := d.AppPort
	switch {
	case app != 0 && tls != TLSOriginate:
		v.errorf(path+".appPort", "only with tls: originate, where the app sends plain text to this port and the proxy adds TLS")
	case app != 0:
		v.port(path+".appPort", app, false)
	case tls == TLSOriginate && proto == ProtoHTTP:
		app = 80 // the egress TLS origination pattern: plain HTTP to 80, TLS to port
	case tls == TLSOriginate:
		app = d.Port
	}
	if j.Mode == ModeAmbient && tcpPort(proto, tls) && len(d.Addresses) == 0 && j.IstioVersion.AtLeast(1, 25) == mesh.No {
		v.errorf(path, "ambient on Istio %s does not proxy DNS by default, so a TCP ServiceEntry without addresses would capture every host on port %d: "+
			"set addresses, or install Istio with cni.ambient.dnsCapture=true and PILOT_ENABLE_IP_AUTOALLOCATE=true, or upgrade to 1.25", j.IstioVersion, d.Port)
	}
	return ExternalDestination{
		Name: d.Name, Host: host, Port: d.Port, Protocol: proto, TLS: tls, AppPort: app, Addresses: d.Addresses,
	}, len(v.probs) == n
}

var protocols = []string{ProtoHTTP, ProtoHTTPS, ProtoTLS, ProtoTCP, ProtoGRPC, ProtoPostgres, ProtoMySQL}

// tlsContradiction explains a protocol and tls pair that cannot work.
// protocol is what the app speaks; tls says who adds TLS on the wire.
func tlsContradiction(proto, tls string) string {
	switch {
	case (proto == ProtoPostgres || proto == ProtoMySQL) && tls == TLSOriginate:
		return fmt.Sprintf("the proxy cannot originate TLS for %s: the client asks for TLS inside the protocol (STARTTLS), "+
			"so the app must do it (tls: app, with sslmode=verify-full or ssl-mode=VERIFY_IDENTITY) over a plain TCP port", proto)
	case (proto == ProtoHTTPS || proto == ProtoTLS) && tls == TLSOriginate:
		return fmt.Sprintf("protocol %s means the app already speaks TLS, and originate would wrap it in TLS twice: "+
			"use tls: app, or let the app speak plain text (protocol: %s) and the proxy do TLS", proto, map[string]string{ProtoHTTPS: ProtoHTTP, ProtoTLS: ProtoTCP}[proto])
	case (proto == ProtoHTTPS || proto == ProtoTLS) && tls == TLSNone:
		return fmt.Sprintf("protocol %s is TLS, so someone speaks it: tls: app (the app does) or, with protocol %s, tls: originate (the proxy does)",
			proto, map[string]string{ProtoHTTPS: ProtoHTTP, ProtoTLS: ProtoTCP}[proto])
	case (proto == ProtoHTTP || proto == ProtoGRPC) && tls == TLSApp:
		return fmt.Sprintf("protocol %s is plain text, but tls: app says the app speaks TLS: the proxy would try to parse TLS as %s; "+
			"write protocol: %s if the app speaks TLS, or tls: originate to let the proxy add it", proto, proto, map[string]string{ProtoHTTP: ProtoHTTPS, ProtoGRPC: ProtoTLS}[proto])
	}
	return ""
}

// tcpPort reports whether a destination's ServiceEntry port is plain TCP,
// which Istio can only match by address (or port alone, when none is
// known).
func tcpPort(proto, tls string) bool {
	switch proto {
	case ProtoTCP, ProtoPostgres, ProtoMySQL:
		return true
	case ProtoTLS:
		return tls == TLSOriginate
	}
	return false
}

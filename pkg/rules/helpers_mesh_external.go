package rules

import (
	"slices"
	"strings"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// exportNamespaces describes where an object is exported, for messages.
func exportNamespaces(exportTo []string, objNS string) string {
	if len(exportTo) == 0 {
		return "every namespace"
	}
	var out []string
	for _, e := range exportTo {
		switch e {
		case "*":
			return "every namespace"
		case ".":
			out = append(out, objNS)
		case "~":
		default:
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return "no namespace"
	}
	return "namespace " + strings.Join(out, ", ")
}

// seExportTo and drExportTo read exportTo of the typed objects.
func seExportTo(o *manifest.Object) []string { return ServiceEntry(o).GetExportTo() }
func drExportTo(o *manifest.Object) []string { return DestinationRule(o).GetExportTo() }

// outboundPolicy is the outbound traffic policy a workload's sidecar uses:
// its Sidecar resource's, else the mesh fact. Known is false when neither
// says.
type outboundPolicy struct {
	Mode   string // ALLOW_ANY or REGISTRY_ONLY ("" when unknown)
	Source string // what decided it, for messages
}

func (ix *Index) outboundPolicyFor(w *Workload, f mesh.Facts) outboundPolicy {
	if sc := ix.SidecarFor(w, f); sc != nil {
		if m := Sidecar(sc).GetOutboundTrafficPolicy(); m != nil {
			return outboundPolicy{Mode: m.GetMode().String(), Source: sc.Ref()}
		}
	}
	if f.OutboundPolicy != "" {
		return outboundPolicy{Mode: f.OutboundPolicy, Source: "the mesh-wide setting, --outbound-policy"}
	}
	return outboundPolicy{}
}

// originates reports whether a TLS mode makes the sidecar originate TLS
// with user-supplied settings.
func originates(t *networking.ClientTLSSettings) bool {
	m := t.GetMode()
	return m == networking.ClientTLSSettings_SIMPLE || m == networking.ClientTLSSettings_MUTUAL
}

// coveredByPortLevel reports whether a port-level setting of the same
// traffic policy overrides the policy-wide tls block for port.
func coveredByPortLevel(sites []tlsSite, site tlsSite, port uint32) bool {
	for _, s := range sites {
		if s.Subset == site.Subset && s.Port == port && s.Port != 0 {
			return true
		}
	}
	return false
}

// portProtocol is the protocol Istio uses for a ServiceEntry port, upper
// case ("" when unset).
func sePortProtocol(p *networking.ServicePort) string { return strings.ToUpper(p.GetProtocol()) }

// tlsProtocol reports whether the app itself speaks TLS on the port.
func tlsProtocol(proto string) bool { return proto == "HTTPS" || proto == "TLS" }

// visibleServiceEntries returns the ServiceEntries for a host (as
// ServiceEntriesFor finds them, in the same order) that a proxy in
// clientNS sees. It reads the entries exported to every namespace and
// those exported to clientNS, never the ones other namespaces keep to
// themselves, so it costs what it returns.
func (ix *Index) visibleServiceEntries(host, clientNS string) []*manifest.Object {
	host = strings.ToLower(host)
	out := mergeSERefs(nil, ix.seHostsAll[host], ix.seHostsNS[hostNS{host, clientNS}])
	for i := 0; i < len(host); i++ {
		if host[i] != '.' {
			continue
		}
		suffix := host[i:]
		all, mine := ix.seWildAll[suffix], ix.seWildNS[hostNS{suffix, clientNS}]
		if len(all)+len(mine) == 0 {
			continue
		}
		for _, o := range mergeSERefs(nil, all, mine) {
			if !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

// mergeSERefs appends the objects of two lists in input order to out.
// The lists are disjoint and each is in input order.
func mergeSERefs(out []*manifest.Object, a, b []seRef) []*manifest.Object {
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && a[0].ord < b[0].ord) {
			out, a = append(out, a[0].o), a[1:]
		} else {
			out, b = append(out, b[0].o), b[1:]
		}
	}
	return out
}

// firstServiceEntryFor is ServiceEntriesFor(host)[0], or nil, without
// building the list.
func (ix *Index) firstServiceEntryFor(host string) *manifest.Object {
	host = strings.ToLower(host)
	if l := ix.seHosts[host]; len(l) > 0 {
		return l[0]
	}
	for i := 0; i < len(host); i++ {
		if host[i] == '.' {
			if l := ix.seWildcards[host[i:]]; len(l) > 0 {
				return l[0]
			}
		}
	}
	return nil
}

// destinationRuleVisible reports whether a DestinationRule for fqdn (as
// DestinationRulesFor finds them) is exported to clientNS.
func (ix *Index) destinationRuleVisible(fqdn, clientNS string) bool {
	fqdn = strings.ToLower(fqdn)
	return ix.drAll[fqdn] || ix.drNS[hostNS{fqdn, clientNS}]
}

// sePort returns the ServiceEntry port with that number.
func sePort(o *manifest.Object, number uint32) *networking.ServicePort {
	for _, p := range ServiceEntry(o).GetPorts() {
		if p.GetNumber() == number {
			return p
		}
	}
	return nil
}

// isMeshExternal reports whether a ServiceEntry describes a service
// outside the mesh (location MESH_EXTERNAL, the default).
func isMeshExternal(o *manifest.Object) bool {
	return ServiceEntry(o).GetLocation() == networking.ServiceEntry_MESH_EXTERNAL
}

// knownPort is a port Istio knows for a DestinationRule host, with the
// protocol it uses on each: from the ServiceEntries for the host visible
// in the rule's namespace, else from the Service.
type knownPort struct {
	Number uint32
	Proto  string // upper case; "" when left to detection
	Name   string
	Source *manifest.Object
}

func (ix *Index) hostPortsOf(fqdn, clientNS string) []knownPort {
	var out []knownPort
	for _, o := range ix.visibleServiceEntries(fqdn, clientNS) {
		for _, p := range ServiceEntry(o).GetPorts() {
			proto := sePortProtocol(p)
			if proto == "" {
				proto = "TCP" // a ServiceEntry port without protocol is TCP
			}
			out = append(out, knownPort{Number: p.GetNumber(), Proto: proto, Name: p.GetName(), Source: o})
		}
	}
	if len(out) > 0 {
		return out
	}
	if o := ix.Service(fqdn); o != nil {
		for _, p := range ServiceSpec(o).Ports {
			out = append(out, knownPort{Number: uint32(p.Port), Proto: servicePortProtocol(p), Name: p.Name, Source: o})
		}
	}
	return out
}

// dbPort reports whether a port is PostgreSQL's or MySQL's, by number or
// by name, and which.
func dbPort(number uint32, name string) string {
	n := strings.ToLower(name)
	switch {
	case number == 5432 || strings.Contains(n, "postgres") || strings.Contains(n, "pgsql"):
		return "PostgreSQL"
	case number == 3306 || strings.Contains(n, "mysql") || strings.Contains(n, "mariadb"):
		return "MySQL"
	}
	return ""
}

// lower returns the next lower severity (Info stays Info).
func lower(s Severity) Severity {
	if s > Info {
		return s - 1
	}
	return s
}

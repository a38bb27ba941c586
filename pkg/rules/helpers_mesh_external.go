package rules

import (
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	networking "istio.io/api/networking/v1alpha3"
)

// OutboundPolicy is the outbound traffic policy a workload's sidecar uses:
// its Sidecar resource's, else the mesh fact. Known is false when neither
// says.
type OutboundPolicy struct {
	Mode   string // ALLOW_ANY or REGISTRY_ONLY ("" when unknown)
	Source string // what decided it, for messages
}

func (ix *Index) OutboundPolicyFor(w *Workload, f mesh.Facts) OutboundPolicy {
	if sc := ix.SidecarFor(w, f); sc != nil {
		if m := Sidecar(sc).GetOutboundTrafficPolicy(); m != nil {
			return OutboundPolicy{Mode: m.GetMode().String(), Source: sc.Ref()}
		}
	}
	if f.OutboundPolicy != "" {
		return OutboundPolicy{Mode: f.OutboundPolicy, Source: "the mesh-wide setting, --outbound-policy"}
	}
	return OutboundPolicy{}
}

// VisibleServiceEntries returns the ServiceEntries for a host (as
// ServiceEntriesFor finds them, in the same order) that a proxy in
// clientNS sees. It reads the entries exported to every namespace and
// those exported to clientNS, never the ones other namespaces keep to
// themselves, so it costs what it returns.
//
// Reads: ServiceEntry spec.
func (ix *Index) VisibleServiceEntries(host, clientNS string) []*manifest.Object {
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

// FirstServiceEntryFor is ServiceEntriesFor(host)[0], or nil, without
// building the list.
//
// Reads: ServiceEntry spec.
func (ix *Index) FirstServiceEntryFor(host string) *manifest.Object {
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

// DestinationRuleVisible reports whether a DestinationRule for fqdn (as
// DestinationRulesFor finds them) is exported to clientNS.
//
// Reads: DestinationRule spec.
func (ix *Index) DestinationRuleVisible(fqdn, clientNS string) bool {
	fqdn = strings.ToLower(fqdn)
	return ix.drAll[fqdn] || ix.drNS[hostNS{fqdn, clientNS}]
}

// KnownPort is a port Istio knows for a DestinationRule host, with the
// protocol it uses on each: from the ServiceEntries for the host visible
// in the rule's namespace, else from the Service.
type KnownPort struct {
	Number uint32
	Proto  string // upper case; "" when left to detection
	Name   string
	Source *manifest.Object
}

func (ix *Index) HostPortsOf(fqdn, clientNS string) []KnownPort {
	var out []KnownPort
	for _, o := range ix.VisibleServiceEntries(fqdn, clientNS) {
		for _, p := range ServiceEntry(o).GetPorts() {
			proto := SEPortProtocol(p)
			if proto == "" {
				proto = "TCP" // a ServiceEntry port without protocol is TCP
			}
			out = append(out, KnownPort{Number: p.GetNumber(), Proto: proto, Name: p.GetName(), Source: o})
		}
	}
	if len(out) > 0 {
		return out
	}
	if o := ix.Service(fqdn); o != nil {
		for _, p := range ServiceSpec(o).Ports {
			out = append(out, KnownPort{Number: uint32(p.Port), Proto: ServicePortProtocol(p), Name: p.Name, Source: o})
		}
	}
	return out
}

// portProtocol is the protocol Istio uses for a ServiceEntry port, upper
// case ("" when unset).
func SEPortProtocol(p *networking.ServicePort) string { return strings.ToUpper(p.GetProtocol()) }

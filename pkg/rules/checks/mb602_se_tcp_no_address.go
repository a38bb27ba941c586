package checks

import (
	"fmt"
	"slices"
	"strings"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// SETCPNoAddress catches TCP ServiceEntries that sidecars can only match by
// port, which captures every connection to that port.
var SETCPNoAddress = &rules.Rule{
	ID:       "MB602",
	Slug:     "se-tcp-no-address",
	Severity: rules.Warning,
	Summary:  "TCP ServiceEntry port has no address, so sidecars match it by port alone",
	Rationale: "HTTP is routed by the Host header, TCP only by destination IP and port. A ServiceEntry port with protocol " +
		"TCP (or none) and no addresses gives the sidecar nothing but the port: it programs a 0.0.0.0:<port> listener, " +
		"so every connection to that port that matches no other service (another external PostgreSQL, a second RDS " +
		"instance) goes to this entry's host, and two such entries on one port collide. With resolution NONE the " +
		"listener passes any destination through. The fix is an address per host: spec.addresses, or DNS proxying " +
		"with automatic allocation, which needs ISTIO_META_DNS_CAPTURE=\"true\" in the proxy's proxyMetadata plus " +
		"either ISTIO_META_DNS_AUTO_ALLOCATE=\"true\" (deprecated in 1.25) or istiod's PILOT_ENABLE_IP_AUTOALLOCATE " +
		"(the default from Istio 1.25). Allocation never applies to wildcard hosts, to resolution NONE, or to an entry " +
		"labelled networking.istio.io/enable-autoallocate-ip: \"false\". The listener goes to every sidecar that imports the " +
		"entry, whatever its workload (a Deployment's as much as a Job's), and by default (no exportTo) every namespace " +
		"imports it, mostly namespaces outside the input. So the rule counts every workload with a sidecar as a client, " +
		"and reports an entry exported beyond the input (to every namespace, or to a namespace the input does not hold); " +
		"it stays silent only when every namespace the entry is exported to is in the input and no workload there has a " +
		"sidecar. Ambient pods have no sidecar: ztunnel resolves ServiceEntry hosts through its DNS proxy, on by default " +
		"in ambient mode from Istio 1.25. When allocation would give the entry an address, the rule also stays silent " +
		"when it is exported only to namespaces of the input and every client there sets both keys in its " +
		"proxy.istio.io/config, or when --dns-auto-allocate=true says the mesh does it; without that fact it reports a " +
		"note, since Istio's default for sidecars is no DNS capture. In --partial mode the namespaces an entry is exported " +
		"to may hold clients outside the input, so an entry is reported only for a client in the input that gets the " +
		"listener; otherwise the check counts as silenced by partial input. istioctl analyze reports such ports as IST0134 whatever the clients; " +
		"meshbatch finds every one of those but the entries no sidecar imports.",
	Remediation: "Give the ServiceEntry the host's addresses, or enable DNS capture and auto-allocation for the client pods " +
		"(proxy.istio.io/config proxyMetadata ISTIO_META_DNS_CAPTURE: \"true\" and ISTIO_META_DNS_AUTO_ALLOCATE: \"true\") or " +
		"mesh-wide; avoid resolution NONE for TCP ports without addresses.",
	Kinds: []string{"ServiceEntry"},
	Reads: rules.Reads{Loop: []string{"ServiceEntry"}, Labels: []string{"Namespace", "ServiceEntry"}},
	Sources: []string{
		"istio/istio pkg/config/analysis/analyzers/serviceentry/protocoladdresses.go@1.28.0 (IST0134: any TCP port without addresses, whatever the clients)",
		"istio/istio pilot/pkg/model/service.go nodeUsesAutoallocatedIPs (allocated addresses need DNS capture at the sidecar)",
		"istio.io docs/ops/configuration/traffic-management/dns-proxy (External TCP services without VIPs; DNS Auto Allocation V2)",
		"istio/istio pilot/pkg/networking/serviceentry (ShouldV2AutoAllocateIP)",
		"istio.io news/releases/1.25.x (PILOT_ENABLE_IP_AUTOALLOCATE default true)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: orders-db, namespace: batch}
spec:
  hosts: [orders.cluster-abc.eu-west-1.rds.amazonaws.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - {number: 5432, name: tcp-postgres, protocol: TCP}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - {name: etl, image: registry.example.com/etl:1.4.2}
`,
	Good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: orders-db, namespace: batch}
spec:
  hosts: [orders.cluster-abc.eu-west-1.rds.amazonaws.com]
  exportTo: ["."]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - {number: 5432, name: tcp-postgres, protocol: TCP}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"ISTIO_META_DNS_CAPTURE": "true", "ISTIO_META_DNS_AUTO_ALLOCATE": "true"}}'
    spec:
      restartPolicy: Never
      containers:
        - {name: etl, image: registry.example.com/etl:1.4.2}
`,
	Check: checkSETCPNoAddress,
}

func checkSETCPNoAddress(p *rules.Pass) {
	var clients *dnsClients
	for _, o := range p.Index.OfKind("ServiceEntry") {
		se := rules.ServiceEntry(o)
		if len(se.GetAddresses()) > 0 {
			continue
		}
		var tcp []int
		for i, port := range se.GetPorts() {
			if proto := rules.SEPortProtocol(port); proto == "" || proto == "TCP" {
				tcp = append(tcp, i)
			}
		}
		if len(tcp) == 0 {
			continue
		}
		wildcard := false
		for _, h := range se.GetHosts() {
			if strings.HasPrefix(h, "*") {
				wildcard = true
			}
		}
		none := se.GetResolution() == networking.ServiceEntry_NONE
		optOut := strings.EqualFold(o.Labels[mesh.LabelAutoallocate], "false")
		sev, why := rules.Warning, ""
		optOutNote := mesh.QuoteNote("its label "+mesh.LabelAutoallocate, o.Labels[mesh.LabelAutoallocate])
		switch {
		case none:
			why = "resolution is NONE, so the sidecar passes any destination on that port through and no address is ever allocated"
		case wildcard:
			why = "its hosts are wildcards, for which no address is allocated"
		case optOut:
			why = "it opts out of address allocation (" + mesh.LabelAutoallocate + ": \"false\")"
		case p.Facts.DNSAutoAllocate == "true":
			continue // the mesh allocates an address for every client
		}
		if clients == nil {
			clients = p.Index.Shared(dnsClientsKey{}, func() any { return newDNSClients(p) }).(*dnsClients)
		}
		seen := clients.seeing(p.Index, seExportTo(o), rules.NamespaceOf(o))
		switch {
		case seen.n == 0 && (p.Partial || seen.beyond == ""):
			// No workload of the input with a sidecar imports the entry
			// (ambient pods have none). In full mode every namespace it
			// is exported to is in the input: nothing to judge. In a
			// partial input its clients may be elsewhere: the check could
			// not be made, which the summary counts.
			if p.Partial {
				p.Silenced++
			}
			continue
		case why != "":
			if seen.n == 0 {
				why += "; " + seen.beyond + ", so sidecars outside the input import it"
			}
		case seen.uncovered != nil:
			sev, why = allocationVerdict(p, seen.uncovered.Object().Ref()+
				" can see it and does not set ISTIO_META_DNS_CAPTURE and ISTIO_META_DNS_AUTO_ALLOCATE in its proxy.istio.io/config")
		case seen.beyond == "":
			continue // every client resolves the host to an allocated address
		case p.Partial:
			p.Silenced++ // the clients in the input are covered; those outside it may not be
			continue
		default:
			sev, why = allocationVerdict(p, seen.beyond+", so sidecars outside the input import it, and nothing says they capture DNS")
		}
		why += optOutNote
		for _, i := range tcp {
			port := se.GetPorts()[i]
			p.ReportSeverityf(sev, o, fmt.Sprintf("spec.ports[%d]", i),
				"%s: port %d (%s) has no address, so sidecars match it by port alone and send every connection to port %d "+
					"that matches no other service to %s; %s", o.Ref(), port.GetNumber(), protoName(port), port.GetNumber(),
				strings.Join(se.GetHosts(), ", "), why)
		}
	}
}

func protoName(port *networking.ServicePort) string {
	if p := port.GetProtocol(); p != "" {
		return p
	}
	return "no protocol, so TCP"
}

// allocationVerdict gives the severity and the reason for an entry that
// address allocation would cover, imported by a sidecar whose proxy may not
// resolve its host to an allocated address: who says which.
func allocationVerdict(p *rules.Pass, who string) (rules.Severity, string) {
	if p.Facts.DNSAutoAllocate == "false" {
		return rules.Warning, who + ", and the mesh does not capture DNS (--dns-auto-allocate=false)"
	}
	return rules.Info, who + " (assumed: the mesh does not capture DNS mesh-wide, Istio's default; pass --dns-auto-allocate)"
}

// dnsAllocates reports whether a pod's proxy resolves ServiceEntry hosts to
// allocated addresses: DNS capture on, and either the agent's
// auto-allocation or istiod's (the default from Istio 1.25).
func dnsAllocates(p *rules.Pass, w rules.Peer) bool {
	if !w.CapturesDNS() {
		return false
	}
	if w.AutoAllocates() {
		return true
	}
	return p.Facts.IstioVersion.AtLeast(1, 25) == mesh.Yes
}

// dnsClientsKey keys the run's dnsClients in Index.Shared.
type dnsClientsKey struct{}

// dnsClients summarises, per namespace and for the whole input, the
// workloads with a sidecar (every one imports the ServiceEntries exported
// to its namespace, whatever its kind) and the first of them whose proxy
// does not resolve ServiceEntry hosts to allocated addresses. Built once
// per run, so each ServiceEntry costs a few map lookups.
type dnsClients struct {
	count     map[string]int
	uncovered map[string]*rules.Peer
	total     int
	anyUncov  *rules.Peer
}

func newDNSClients(p *rules.Pass) *dnsClients {
	c := &dnsClients{count: map[string]int{}, uncovered: map[string]*rules.Peer{}}
	for _, w := range p.Index.AllWorkloads() { // every client, not the pass's share
		if p.Index.HasSidecar(w) == mesh.No {
			continue
		}
		c.count[w.Namespace()]++
		c.total++
		if !dnsAllocates(p, w) {
			if c.uncovered[w.Namespace()] == nil {
				c.uncovered[w.Namespace()] = &w
			}
			if c.anyUncov == nil {
				c.anyUncov = &w
			}
		}
	}
	return c
}

// seen is what seeing tells of the sidecars that import an entry.
type seen struct {
	n         int         // how many workloads of the input with a sidecar import it
	uncovered *rules.Peer // one of them whose proxy does not resolve its host to an allocated address
	// beyond says, when it is exported to a namespace the input does not
	// hold (or to every namespace), where: "it is exported to every
	// namespace (no exportTo)"; "" when every namespace it is exported to
	// is in the input.
	beyond string
}

// seeing tells who imports an object exported to exportTo from namespace
// ns: the sidecars of the input, and whether namespaces beyond the input
// do too.
func (c *dnsClients) seeing(ix *rules.Index, exportTo []string, ns string) seen {
	switch {
	case len(exportTo) == 0:
		return seen{c.total, c.anyUncov, "it is exported to every namespace (no exportTo)"}
	case slices.Contains(exportTo, "*"):
		return seen{c.total, c.anyUncov, "it is exported to every namespace (exportTo \"*\")"}
	}
	var s seen
	var outside []string
	done := map[string]bool{}
	for _, e := range exportTo {
		if e == "." {
			e = ns
		}
		if e == "~" || done[e] {
			continue
		}
		done[e] = true
		s.n += c.count[e]
		if s.uncovered == nil {
			s.uncovered = c.uncovered[e]
		}
		if !ix.KnownNamespace(e) {
			outside = append(outside, e)
		}
	}
	switch len(outside) {
	case 0:
	case 1:
		s.beyond = "it is exported to namespace " + outside[0] + ", which the input does not hold"
	default:
		s.beyond = "it is exported to namespaces " + strings.Join(outside, ", ") + ", which the input does not hold"
	}
	return s
}

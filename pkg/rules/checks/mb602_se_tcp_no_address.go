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
		"labelled networking.istio.io/enable-autoallocate-ip: \"false\". The rule is about sidecar clients: it stays " +
		"silent when no Job or CronJob with a sidecar can see the entry (its namespace with exportTo \".\", or all). " +
		"Ambient pods have no sidecar: ztunnel resolves ServiceEntry hosts through its DNS proxy, on by default in " +
		"ambient mode from Istio 1.25. When allocation would give the entry an address, the rule also stays silent " +
		"when every Job or CronJob with a sidecar that can see the entry sets both keys in its proxy.istio.io/config, " +
		"or when --dns-auto-allocate=true says the mesh does it; without that fact it reports a note, since Istio's " +
		"default for sidecars is no DNS capture. In --partial mode an entry that no Job with a sidecar in the input " +
		"can see is not reported, since its clients may be outside the input, and counts as a check silenced by " +
		"partial input. istioctl analyze reports the same as IST0134, for any client.",
	Remediation: "Give the ServiceEntry the host's addresses, or enable DNS capture and auto-allocation for the client pods " +
		"(proxy.istio.io/config proxyMetadata ISTIO_META_DNS_CAPTURE: \"true\" and ISTIO_META_DNS_AUTO_ALLOCATE: \"true\") or " +
		"mesh-wide; avoid resolution NONE for TCP ports without addresses.",
	Kinds: []string{"ServiceEntry", "Job", "CronJob"},
	Reads: rules.Reads{Loop: []string{"ServiceEntry"}, Labels: []string{"Namespace", "ServiceEntry"}},
	Sources: []string{
		"istio/istio pkg/config/analysis/analyzers/serviceentry/protocoladdresses.go (IST0134)",
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
			clients = newDNSClients(p)
		}
		n, uncovered := clients.seeing(seExportTo(o), rules.NamespaceOf(o))
		if n == 0 {
			// No Job with a sidecar can see the entry (ambient pods have
			// none). In a partial input its clients may be elsewhere: the
			// check could not be made, which the summary counts.
			if p.Partial {
				p.Silenced++
			}
			continue
		}
		if why == "" {
			if uncovered == nil {
				continue // every client resolves the host to an allocated address
			}
			sev, why = allocationVerdict(p, *uncovered)
		}
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
// address allocation would cover, seen by a client with a sidecar whose
// proxy does not resolve its host to an allocated address.
func allocationVerdict(p *rules.Pass, uncovered rules.Peer) (rules.Severity, string) {
	why := fmt.Sprintf("%s can see it and does not set ISTIO_META_DNS_CAPTURE and ISTIO_META_DNS_AUTO_ALLOCATE in its proxy.istio.io/config",
		uncovered.Object().Ref())
	if p.Facts.DNSAutoAllocate == "false" {
		return rules.Warning, why + ", and the mesh does not capture DNS (--dns-auto-allocate=false)"
	}
	return rules.Info, why + " (assumed: the mesh does not capture DNS mesh-wide, Istio's default; pass --dns-auto-allocate)"
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

// dnsClients summarises, per namespace and for the whole input, the batch
// workloads with a sidecar and the first of them whose proxy does not
// resolve ServiceEntry hosts to allocated addresses. Built once per pass,
// so each ServiceEntry costs a few map lookups.
type dnsClients struct {
	count     map[string]int
	uncovered map[string]*rules.Peer
	total     int
	anyUncov  *rules.Peer
}

func newDNSClients(p *rules.Pass) *dnsClients {
	c := &dnsClients{count: map[string]int{}, uncovered: map[string]*rules.Peer{}}
	for _, w := range p.Index.AllBatch() { // every client, not the pass's share
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

// seeing returns how many clients can see an object exported to exportTo
// from namespace ns, and one of them that is not covered.
func (c *dnsClients) seeing(exportTo []string, ns string) (int, *rules.Peer) {
	if len(exportTo) == 0 || slices.Contains(exportTo, "*") {
		return c.total, c.anyUncov
	}
	n := 0
	var unc *rules.Peer
	seen := map[string]bool{}
	for _, e := range exportTo {
		if e == "." {
			e = ns
		}
		if e == "~" || seen[e] {
			continue
		}
		seen[e] = true
		n += c.count[e]
		if unc == nil {
			unc = c.uncovered[e]
		}
	}
	return n, unc
}

package checks

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// SEProtocolConflict finds ServiceEntries that give one host and port
// different protocols where the same sidecars see them (IST0177).
var SEProtocolConflict = &rules.Rule{
	ID:       "MB612",
	Slug:     "se-protocol-conflict",
	Severity: rules.Warning,
	Summary:  "Two ServiceEntries give one host and port different protocols",
	Rationale: "A sidecar builds one outbound listener and cluster per host and port. When two ServiceEntries that it " +
		"imports declare the same host and port, one as TCP and one as HTTP or TLS (or one without a protocol, which " +
		"means sniffing), istiod keeps one definition and drops the other, so the traffic of the clients that counted " +
		"on the dropped one is handled as the wrong protocol: HTTP routing and authorization by path stop applying, or " +
		"a TLS connection is sniffed as plaintext. Which one wins depends on creation order, so it can change on a " +
		"redeploy. istioctl analyze reports this as IST0177 from istioctl 1.31 on (the analyzer first ships in " +
		"1.31.0-alpha.0; 1.30 and older do not have it), comparing entries exported to the same namespace or to all.",
	Remediation: "Declare the host and port in one ServiceEntry, or give every entry for it the same protocol; narrow exportTo if the entries are meant for different namespaces.",
	Kinds:       []string{"ServiceEntry"},
	Reads:       rules.Reads{Loop: []string{"ServiceEntry"}, Spec: []string{"ServiceEntry"}},
	Sources: []string{
		"istio/istio pkg/config/analysis/analyzers/serviceentry/conflictingserviceentries.go (IST0177; istioctl >= 1.31)",
		"istio/istio pkg/config/analysis/msg/messages.yaml (ConflictingServiceEntryProtocol)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner-tcp, namespace: etl}
spec:
  hosts: [api.partner.example.com]
  ports:
    - {number: 443, name: tcp, protocol: TCP}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner-tls, namespace: reports}
spec:
  hosts: [api.partner.example.com]
  ports:
    - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
`,
	Good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner-tls, namespace: etl}
spec:
  hosts: [api.partner.example.com]
  ports:
    - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner-tls, namespace: reports}
spec:
  hosts: [api.partner.example.com]
  ports:
    - {number: 443, name: https, protocol: TLS}
  resolution: DNS
`,
	Check: checkSEProtocolConflict,
}

type seHostPort struct {
	scope, host string
	port        uint32
}

type seDecl struct {
	o        *manifest.Object
	protocol string
	port     int // index in spec.ports
}

// seConflict is what MB612 says of one entry.
type seConflict struct {
	key       seHostPort
	port      int // index in the entry's spec.ports
	others    []*manifest.Object
	refs      string // the others' refs
	protocols string
}

func checkSEProtocolConflict(p *rules.Pass) {
	own := p.Index.OfKind("ServiceEntry")
	if len(own) == 0 {
		return
	}
	// the index is of every entry, whatever part of them this pass loops over
	index := map[seHostPort][]seDecl{}
	for _, o := range p.Index.Every("ServiceEntry") {
		se := rules.ServiceEntry(o)
		for _, scope := range seScopes(se.GetExportTo(), rules.NamespaceOf(o)) {
			for _, h := range se.GetHosts() {
				for i, port := range se.GetPorts() {
					k := seHostPort{scope, h, port.GetNumber()}
					index[k] = append(index[k], seDecl{o, port.GetProtocol(), i})
				}
			}
		}
	}
	conflicts := map[*manifest.Object]seConflict{}
	keys := slices.SortedFunc(maps.Keys(index), func(a, b seHostPort) int {
		return cmp.Or(cmp.Compare(a.host, b.host), cmp.Compare(a.port, b.port), cmp.Compare(a.scope, b.scope))
	})
	for _, k := range keys {
		decls := index[k]
		if k.scope != "*" {
			// entries exported to everyone reach this namespace too
			decls = append(slices.Clip(decls), index[seHostPort{"*", k.host, k.port}]...)
		}
		protocols := map[string]bool{}
		for _, d := range decls {
			protocols[strings.ToUpper(d.protocol)] = true
		}
		if len(protocols) < 2 {
			continue
		}
		var objs []*manifest.Object
		for _, d := range decls {
			if !slices.Contains(objs, d.o) {
				objs = append(objs, d.o)
			}
		}
		names := make([]string, 0, len(protocols))
		for pr := range protocols {
			if pr == "" {
				pr = "unset (sniffed)"
			}
			names = append(names, pr)
		}
		slices.Sort(names)
		for _, d := range decls {
			if _, done := conflicts[d.o]; done {
				continue
			}
			others := slices.DeleteFunc(slices.Clone(objs), func(x *manifest.Object) bool { return x == d.o })
			refs := make([]string, len(others))
			for i, x := range others {
				refs[i] = x.Ref()
			}
			slices.Sort(refs)
			conflicts[d.o] = seConflict{k, d.port, others, strings.Join(refs, ", "), strings.Join(names, ", ")}
		}
	}
	for _, o := range own {
		c, ok := conflicts[o]
		if !ok {
			continue
		}
		where := "sidecars in namespace " + c.key.scope
		if c.key.scope == "*" {
			where = "sidecars in every namespace"
		}
		p.Because(c.others...).ReportSeverityf(rules.Warning, o, "spec.ports["+strconv.Itoa(c.port)+"].protocol",
			"%s and %s declare %s port %d with different protocols (%s) for %s: istiod keeps one "+
				"definition, so some clients' traffic is handled as the wrong protocol",
			o.Ref(), c.refs, c.key.host, c.key.port, c.protocols, where)
	}
}

// seScopes are the namespaces an entry is exported to, "*" for all, as
// IST0177 counts them: "." is the entry's own namespace.
func seScopes(exportTo []string, ns string) []string {
	if len(exportTo) == 0 || slices.Contains(exportTo, "*") {
		return []string{"*"}
	}
	var out []string
	for _, e := range exportTo {
		if e == "." {
			e = ns
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

package checks

import (
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// serverFirst maps the well-known ports of server-first protocols to their
// names.
var serverFirst = map[uint32]string{3306: "MySQL", 27017: "MongoDB", 25: "SMTP"}

// ServerFirstPermissive flags server-first databases that accept both
// plaintext and mTLS, which makes plaintext clients hang.
var ServerFirstPermissive = &rules.Rule{
	ID:       "MB604",
	Slug:     "server-first-permissive",
	Severity: rules.Warning,
	Summary:  "Server-first protocol (MySQL, MongoDB, SMTP) behind a PERMISSIVE PeerAuthentication",
	Rationale: "In a server-first protocol the server speaks first: MySQL sends its greeting before the client says " +
		"anything. Under PERMISSIVE the server's sidecar must look at the client's first bytes to tell mTLS from " +
		"plaintext, so a plaintext client (a Job without a sidecar, a pod outside the mesh) and the server wait for " +
		"each other until the client gives up with \"ERROR 2013 (HY000): Lost connection to MySQL server at 'reading " +
		"initial communication packet'\". Mesh clients are fine: their sidecar opens with mTLS. Istio's FAQ asks for " +
		"STRICT or DISABLE on such ports. The rule reads Service ports by number (3306, 27017, 25) or protocol (name " +
		"prefix or appProtocol mysql, mongo) and needs a loaded PeerAuthentication that says PERMISSIVE.",
	Remediation: "Set the server's PeerAuthentication to STRICT (and put every client in the mesh), or to DISABLE for that port " +
		"with a workload policy if plaintext clients must stay.",
	Kinds: []string{"Service", "PeerAuthentication"},
	Reads: rules.Reads{
		Loop:   []string{"Service"},
		Spec:   []string{"PeerAuthentication"},
		Labels: []string{"Namespace"},
	},
	Sources: []string{
		"istio.io about/faq/security/mysql-with-mtls",
		"istio.io docs/ops/deployment/application-requirements (Server First Protocols)",
	},
	Bad: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: database}
spec:
  mtls: {mode: PERMISSIVE}
---
apiVersion: v1
kind: Service
metadata: {name: mysql, namespace: database}
spec:
  selector: {app: mysql}
  ports:
    - {name: tcp-mysql, port: 3306}
`,
	Good: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: database}
spec:
  mtls: {mode: STRICT}
---
apiVersion: v1
kind: Service
metadata: {name: mysql, namespace: database}
spec:
  selector: {app: mysql}
  ports:
    - {name: tcp-mysql, port: 3306}
`,
	Check: checkServerFirstPermissive,
}

func checkServerFirstPermissive(p *rules.Pass) {
	for _, o := range p.Index.OfKind("Service") {
		svc := rules.ServiceSpec(o)
		if len(svc.Selector) == 0 {
			continue
		}
		ns := rules.NamespaceOf(o)
		for i, sp := range svc.Ports {
			proto := serverFirst[uint32(sp.Port)]
			switch rules.ServicePortProtocol(sp) {
			case "MYSQL":
				proto = "MySQL"
			case "MONGO":
				proto = "MongoDB"
			}
			if proto == "" {
				continue
			}
			target := p.Index.ServiceTargetPort(o, uint32(sp.Port))
			m := p.Index.EffectiveMTLS(ns, svc.Selector, target, p.Facts)
			if m.Mode != "PERMISSIVE" || !backedBySidecar(p, ns, svc.Selector) {
				continue
			}
			p.Because(m.Objects()...).Reportf(o, fmt.Sprintf("spec.ports[%d]", i),
				"%s exposes %s on port %d and %s: a plaintext client and the server wait for each other to speak first "+
					"until the client times out (\"reading initial communication packet\")", o.Ref(), proto, sp.Port, m.Describe())
		}
	}
}

// backedBySidecar reports whether the pods behind a selector may have a
// sidecar: unknown when their templates are not loaded.
func backedBySidecar(p *rules.Pass, ns string, sel map[string]string) bool {
	ws := p.Index.SelectedWorkloads(ns, sel)
	if len(ws) == 0 {
		return true
	}
	for _, w := range ws {
		if p.Index.HasSidecar(w) != mesh.No {
			return true
		}
	}
	return false
}

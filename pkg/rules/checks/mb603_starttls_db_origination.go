package checks

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// StartTLSDBOrigination catches the attempt to let the sidecar do TLS for
// PostgreSQL or MySQL, whose TLS starts inside the protocol.
var StartTLSDBOrigination = &rules.Rule{
	ID:       "MB603",
	Slug:     "starttls-db-origination",
	Severity: rules.Error,
	Summary:  "ServiceEntry or DestinationRule treats PostgreSQL or MySQL as TLS from the first byte",
	Rationale: "PostgreSQL and MySQL do not start with a TLS handshake: the client first speaks the database protocol " +
		"(PostgreSQL's SSLRequest, MySQL's server greeting and SSL request) and upgrades the same connection, like " +
		"STARTTLS. A sidecar can neither originate that (a DestinationRule SIMPLE or MUTUAL wraps the plaintext protocol " +
		"in TLS the server does not expect, and the connection fails) nor route it as TLS (a ServiceEntry port with " +
		"protocol TLS or HTTPS expects a ClientHello to read the SNI from). Istio maintainers answer these reports with " +
		"\"Postgres does not use TLS, it uses STARTTLS\" (istio/istio#29761, #36093). The app must do TLS itself " +
		"(sslmode=verify-full, ssl-mode=VERIFY_IDENTITY) over a port declared TCP. PostgreSQL 17 clients can open with " +
		"TLS directly (sslnegotiation=direct), which makes a TLS port workable but still rules out sidecar " +
		"origination. Ports are recognised by number (5432, 3306) or by a name that mentions postgres, pgsql, mysql " +
		"or mariadb.",
	Remediation: "Declare the database port with protocol: TCP (name tcp-postgres or tcp-mysql), remove the DestinationRule's " +
		"TLS origination for it, and turn on TLS in the client (sslmode=verify-full).",
	Kinds: []string{"ServiceEntry", "DestinationRule", "Service"},
	Reads: rules.Reads{
		Loop: []string{"DestinationRule", "ServiceEntry"},
		Spec: []string{"Service", "ServiceEntry"},
	},
	Sources: []string{
		"istio/istio#29761, #36093 (Postgres uses STARTTLS; ServiceEntry protocol must be TCP)",
		"istio.io about/faq/security/mysql-with-mtls",
		"postgresql.org docs/current/protocol-flow (SSL session encryption, sslnegotiation=direct)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: orders-db, namespace: batch}
spec:
  hosts: [orders.cluster-abc.eu-west-1.rds.amazonaws.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - {number: 5432, name: tls-postgres, protocol: TLS}
`,
	Good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: orders-db, namespace: batch}
spec:
  hosts: [orders.cluster-abc.eu-west-1.rds.amazonaws.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - {number: 5432, name: tcp-postgres, protocol: TCP}
`,
	AutoFix: "Sets the protocol of a MySQL or MariaDB ServiceEntry port declared TLS or HTTPS to TCP. No fix for " +
		"PostgreSQL, whose clients from version 17 may open with TLS (sslnegotiation=direct), for a protocol that comes " +
		"from the port's name, or for a DestinationRule's origination: removing it is for the app's owner to decide.",
	Check: checkStartTLSDBOrigination,
}

func checkStartTLSDBOrigination(p *rules.Pass) {
	for _, o := range p.Index.OfKind("ServiceEntry") {
		for i, port := range rules.ServiceEntry(o).GetPorts() {
			db := dbPort(port.GetNumber(), port.GetName())
			if proto := rules.SEPortProtocol(port); db != "" && tlsProtocol(proto) {
				path := fmt.Sprintf("spec.ports[%d].protocol", i)
				p.ReportFixf(rules.Offer{Description: "declare the port TCP", Build: func(ed *manifest.Editor) error {
					if db != "MySQL" { // PostgreSQL 17 clients may open with TLS (sslnegotiation=direct)
						return manifest.ErrNoEdit
					}
					return ed.ReplaceScalar(path, "TCP")
				}}, o, path,
					"%s declares %s port %d as %s, but %s negotiates TLS inside its own protocol: the sidecar waits for a "+
						"TLS ClientHello that never comes; declare it TCP and let the client do TLS", o.Ref(), db, port.GetNumber(), proto, db)
			}
		}
	}
	for _, o := range p.Index.OfKind("DestinationRule") {
		ns := rules.NamespaceOf(o)
		host := strings.ToLower(rules.FQDN(rules.DestinationRule(o).GetHost(), ns))
		ports := p.Index.HostPortsOf(host, ns)
		sites := tlsSites(o)
		for _, s := range sites {
			if !originates(s.TLS) {
				continue
			}
			if s.Port != 0 {
				name := ""
				for _, kp := range ports {
					if kp.Number == s.Port {
						name = kp.Name
					}
				}
				if db := dbPort(s.Port, name); db != "" {
					reportDBOrigination(p, o, s, db, s.Port)
				}
				continue
			}
			for _, kp := range ports {
				if db := dbPort(kp.Number, kp.Name); db != "" && !coveredByPortLevel(sites, s, kp.Number) {
					reportDBOrigination(p, o, s, db, kp.Number)
					break
				}
			}
		}
	}
}

func reportDBOrigination(p *rules.Pass, o *manifest.Object, s tlsSite, db string, port uint32) {
	p.Reportf(o, s.ModePath(),
		"%s originates TLS (%s) to %s port %d, but %s upgrades to TLS inside its own protocol: the server reads a TLS "+
			"handshake where it expects a startup message and closes the connection; remove the TLS origination and let the "+
			"client use sslmode=verify-full", o.Ref(), s.TLS.GetMode(), db, port, db)
}

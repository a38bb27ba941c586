package checks

import (
	"strings"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
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
func seExportTo(o *manifest.Object) []string { return rules.ServiceEntry(o).GetExportTo() }

func drExportTo(o *manifest.Object) []string { return rules.DestinationRule(o).GetExportTo() }

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

// tlsProtocol reports whether the app itself speaks TLS on the port.
func tlsProtocol(proto string) bool { return proto == "HTTPS" || proto == "TLS" }

// sePort returns the ServiceEntry port with that number.
func sePort(o *manifest.Object, number uint32) *networking.ServicePort {
	for _, p := range rules.ServiceEntry(o).GetPorts() {
		if p.GetNumber() == number {
			return p
		}
	}
	return nil
}

// isMeshExternal reports whether a ServiceEntry describes a service
// outside the mesh (location MESH_EXTERNAL, the default).
func isMeshExternal(o *manifest.Object) bool {
	return rules.ServiceEntry(o).GetLocation() == networking.ServiceEntry_MESH_EXTERNAL
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
func lower(s rules.Severity) rules.Severity {
	if s > rules.Info {
		return s - 1
	}
	return s
}

package checks

import (
	"strings"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// DRHostNotFound catches DestinationRules that apply to nothing: their host
// is in no registry, or the Job that needs them cannot see them.
var DRHostNotFound = &rules.Rule{
	ID:       "MB610",
	Slug:     "dr-host-not-found",
	Severity: rules.Warning,
	Summary:  "DestinationRule applies to nothing: its host is not in the registry, or it is not exported to the Job",
	Rationale: "Istio applies a DestinationRule to the clusters of services in its registry. For an external host that no " +
		"ServiceEntry visible in the rule's namespace declares, there is no such cluster: traffic leaves through " +
		"PassthroughCluster (or is blocked under REGISTRY_ONLY) and the rule's TLS origination, connection pool and " +
		"outlier settings never apply, so a Job that relies on the sidecar for TLS sends plaintext. The same happens " +
		"when the rule exists but its exportTo (\".\" in another namespace) hides it from the Job that calls the host. " +
		"Only external hosts are checked: a rule for a cluster Service whose Service is not in the input is normal " +
		"(the Service belongs to another team or chart). Both verdicts rest on an absence, so the rule is silent in " +
		"--partial mode. istioctl reports unknown hosts on live clusters only (IST0174); Kiali as KIA0202.",
	Remediation: "Add a ServiceEntry for the external host next to the DestinationRule (exported to the client's namespace), " +
		"or export the rule to the namespace of the Job that uses it.",
	Kinds: []string{"DestinationRule", "ServiceEntry", "Job", "CronJob"},
	Reads: rules.Reads{
		Loop:   []string{"DestinationRule"},
		Spec:   []string{"DestinationRule", "Service", "ServiceEntry"},
		Labels: []string{"Namespace"},
	},
	Sources: []string{
		"istio/istio pkg/config/analysis/analyzers/destinationrule (IST0174 UnknownDestinationRuleHost, live only)",
		"kiali/kiali business/checkers/destinationrules (KIA0202)",
		"istio/api networking/v1alpha3/destination_rule.proto (exportTo)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: rates-api, namespace: batch}
spec:
  host: api.exchangerate.example.com
  trafficPolicy:
    tls:
      mode: SIMPLE
      sni: api.exchangerate.example.com
      subjectAltNames: [api.exchangerate.example.com]
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
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: rates-api, namespace: batch}
spec:
  host: api.exchangerate.example.com
  trafficPolicy:
    tls:
      mode: SIMPLE
      sni: api.exchangerate.example.com
      subjectAltNames: [api.exchangerate.example.com]
`,
	Check: checkDRHostNotFound,
}

func checkDRHostNotFound(p *rules.Pass) {
	for _, o := range p.Index.OfKind("DestinationRule") {
		ns := rules.NamespaceOf(o)
		raw := rules.DestinationRule(o).GetHost()
		host := strings.ToLower(rules.FQDN(raw, ns))
		if strings.Contains(host, "*") {
			continue
		}
		if class, _ := p.Index.ClassifyHost(host, ns); class != rules.HostExternal {
			continue
		}
		if len(p.Index.VisibleServiceEntries(host, ns)) > 0 {
			continue
		}
		p.MissingSeverityf(rules.Warning, o, "spec.host",
			"%s is for %s, but no ServiceEntry visible in namespace %s declares that host, so Istio has no cluster to "+
				"apply it to: its settings (TLS origination included) never take effect", o.Ref(), raw, ns)
	}
	checkJobDRVisibility(p)
}

// checkJobDRVisibility reports external hosts a Job calls for which
// DestinationRules exist, none of them exported to the Job's namespace.
func checkJobDRVisibility(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		if p.Index.HasSidecar(w) == mesh.No {
			continue
		}
		seen := map[string]bool{}
		for _, r := range w.HostRefs() {
			if seen[r.Host] {
				continue
			}
			seen[r.Host] = true
			if class, _ := p.Index.ClassifyHost(r.Host, w.Namespace); class != rules.HostExternal {
				continue
			}
			drs := p.Index.DestinationRulesFor(r.Host)
			if len(drs) == 0 || p.Index.DestinationRuleVisible(r.Host, w.Namespace) {
				continue
			}
			d := drs[0]
			p.MissingSeverityf(rules.Warning, w.Object, r.Path,
				"%s calls %s (%s), but %s for that host is exported to %s, not to namespace %s: its settings do not apply "+
					"to this Job's traffic", w.Object.Ref(), r.Host, r.Where, d.Ref(), exportNamespaces(drExportTo(d), rules.NamespaceOf(d)), w.Namespace)
		}
	}
}

package checks

import (
	"fmt"
	"slices"
	"strings"

	securityv1beta1 "istio.io/api/security/v1beta1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// APAllowWithoutSelector catches the grant for one client that, written
// without a selector, becomes an allow-list for a whole namespace.
var APAllowWithoutSelector = &rules.Rule{
	ID:       "MB513",
	Slug:     "ap-allow-without-selector",
	Severity: rules.Warning,
	Summary:  "ALLOW AuthorizationPolicy without a selector admits only its listed clients to every workload of the namespace",
	Rationale: "As soon as one ALLOW policy applies to a workload, Istio denies every request no ALLOW policy matches. A " +
		"policy without selector (or targetRefs) applies to every workload of its namespace, and in the root namespace " +
		"to every workload of the mesh. So an ALLOW written to let one Job reach one database, " +
		"from: [{source: {principals: [cluster.local/ns/batch/sa/etl]}}], but left without selector, locks every other " +
		"client out of every service of that namespace, including the namespace's own workloads: the web app that " +
		"shares the database namespace with a cache, the monitoring scraper, the other Jobs. The rule reports " +
		"selector-less ALLOW policies whose every rule restricts the client to listed identities (principals, " +
		"serviceAccounts) or to other namespaces. An allow-list that includes the policy's own namespace (\"same " +
		"namespace plus ...\"), IP or JWT based rules, and allow-nothing policies (no rules) are common deliberate " +
		"patterns and are not reported. " +
		"Severity: an error in the root namespace, where it cuts off the whole mesh, and for a policy annotated " +
		"meshbatch.dev/job, which was meant for one destination; a warning elsewhere, because a namespace-wide " +
		"identity allow-list can be intended.",
	Remediation: "Add spec.selector.matchLabels for the workload the clients need (the database's pod labels), or, if the " +
		"namespace really should accept only these clients, say so with a comment and suppress the finding.",
	Kinds: []string{"AuthorizationPolicy"},
	Reads: rules.Reads{Loop: []string{"AuthorizationPolicy"}},
	Sources: []string{
		"istio/api security/v1beta1/authorization_policy.proto (evaluation order; selector scope)",
		"istio.io docs/concepts/security (Policy target; allow-nothing)",
	},
	Bad: `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: etl-to-postgres, namespace: database}
spec:
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/batch/sa/etl"]
      to:
        - operation:
            ports: ["5432"]
`,
	Good: `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: etl-to-postgres, namespace: database}
spec:
  selector:
    matchLabels: {app: postgres}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/batch/sa/etl"]
      to:
        - operation:
            ports: ["5432"]
`,
	Check: checkAPAllowWithoutSelector,
}

func checkAPAllowWithoutSelector(p *rules.Pass) {
	for _, o := range p.Index.OfKind("AuthorizationPolicy") {
		ap := rules.AuthorizationPolicy(o)
		if ap.Spec.GetAction() != securityv1beta1.AuthorizationPolicy_ALLOW || len(ap.Spec.GetSelector().GetMatchLabels()) > 0 ||
			rules.TargetsByRef(&ap.Spec) || len(ap.Spec.GetRules()) == 0 {
			continue
		}
		clients := identityOnlyClients(&ap.Spec, rules.NamespaceOf(o))
		if clients == nil {
			continue
		}
		ns := rules.NamespaceOf(o)
		scope := "every workload of namespace " + ns
		sev := rules.Warning
		switch {
		case ns == p.Facts.Root():
			scope, sev = "every workload of the mesh (it is in the root namespace "+ns+")", rules.Error
		case o.Annotations[mesh.AnnotJob] != "":
			sev = rules.Error
		}
		if ws := p.Index.WorkloadsIn(ns); len(ws) > 0 && ns != p.Facts.Root() {
			scope += fmt.Sprintf(", %d of them in the input (%s", len(ws), ws[0].Object().Ref())
			if len(ws) > 1 {
				scope += ", ..."
			}
			scope += ")"
		}
		p.ReportSeverityf(sev, o, "spec",
			"%s has no selector, so it applies to %s, and from now on they accept only %s: every other client is denied",
			o.Ref(), scope, strings.Join(clients, ", "))
	}
}

// identityOnlyClients lists the clients an ALLOW policy admits when every
// rule restricts its sources to principals, service accounts or other
// namespaces; nil when a rule admits any source, an IP block, a JWT, a whole
// trust domain, or the policy's own namespace (the deliberate "same
// namespace plus ..." allow-list).
func identityOnlyClients(ap *securityv1beta1.AuthorizationPolicy, policyNS string) []string {
	var clients []string
	add := func(c string) {
		if len(clients) < 4 && !slices.Contains(clients, c) {
			clients = append(clients, c)
		}
	}
	for _, r := range ap.GetRules() {
		if len(r.GetFrom()) == 0 {
			return nil
		}
		for _, from := range r.GetFrom() {
			src := from.GetSource()
			ids := append(append([]string{}, src.GetPrincipals()...), src.GetServiceAccounts()...)
			if len(ids)+len(src.GetNamespaces()) == 0 || len(src.GetIpBlocks()) > 0 || len(src.GetRemoteIpBlocks()) > 0 ||
				len(src.GetRequestPrincipals()) > 0 || len(src.GetTrustDomains()) > 0 {
				return nil
			}
			for _, id := range ids {
				if id == "*" || strings.HasPrefix(id, "*") {
					return nil // any authenticated client, or a whole trust domain
				}
				add(id)
			}
			for _, ns := range src.GetNamespaces() {
				if rules.IstioMatch(ns, policyNS) {
					return nil
				}
				add("namespace " + ns)
			}
		}
	}
	return clients
}

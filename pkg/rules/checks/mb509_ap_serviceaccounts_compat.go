package checks

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// APServiceAccountsCompat checks the serviceAccounts source field: its
// validation rules and the Istio version that introduced it.
var APServiceAccountsCompat = &rules.Rule{
	ID:       "MB509",
	Slug:     "ap-serviceaccounts-compat",
	Severity: rules.Error,
	Summary:  "AuthorizationPolicy serviceAccounts is combined with principals or namespaces, malformed, or unknown to the cluster's Istio",
	Rationale: "source.serviceAccounts (and notServiceAccounts) is the simpler form of principals, added in Istio 1.25: " +
		"entries are <namespace>/<service account> or a bare <service account> in the policy's namespace, at most 16, " +
		"without wildcards. The CRD rejects a source that sets it together with principals, notPrincipals, namespaces or " +
		"notNamespaces (\"Cannot set serviceAccounts with namespaces or principals\", IST0106). On Istio before 1.25 the " +
		"CRD has no such field: kubectl's strict field validation refuses the policy, and where unknown fields are " +
		"pruned the source loses its identities: with other fields set it admits whatever they allow, which widens an allow-list; " +
		"left empty, istiod's webhook rejects it (an older istiod that does not validate would admit every client). A \"*\" is " +
		"not a wildcard there but a literal character, and a spiffe:// or trust-domain form never matches. The version " +
		"check needs --istio-version.",
	Remediation: "Use either serviceAccounts or principals/namespaces in one source (split them into two sources of the rule), " +
		"write entries as <namespace>/<service account>, and on Istio before 1.25 use principals: " +
		"[\"cluster.local/ns/<namespace>/sa/<service account>\"] instead.",
	Kinds: []string{"AuthorizationPolicy"},
	Reads: rules.Reads{Loop: []string{"AuthorizationPolicy"}},
	Sources: []string{
		"istio/api security/v1beta1/authorization_policy.proto (Source.service_accounts, XValidation rule, MaxItems=16)",
		"istioctl analyze IST0106 (exp)",
		"istio/api release tags (serviceAccounts from 1.25)",
	},
	Bad: `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: etl-to-postgres, namespace: database}
spec:
  selector:
    matchLabels: {app: postgres}
  action: ALLOW
  rules:
    - from:
        - source:
            serviceAccounts: ["batch/etl"]
            namespaces: ["batch"]
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
            serviceAccounts: ["batch/etl"]
`,
	Check: checkAPServiceAccountsCompat,
}

func checkAPServiceAccountsCompat(p *rules.Pass) {
	for _, o := range p.Index.OfKind("AuthorizationPolicy") {
		ap := rules.AuthorizationPolicy(o)
		for i, r := range ap.Spec.GetRules() {
			for j, from := range r.GetFrom() {
				src := from.GetSource()
				base := fmt.Sprintf("spec.rules[%d].from[%d].source", i, j)
				for _, f := range []struct {
					name string
					vals []string
				}{{"serviceAccounts", src.GetServiceAccounts()}, {"notServiceAccounts", src.GetNotServiceAccounts()}} {
					if len(f.vals) == 0 {
						continue
					}
					if !checkServiceAccountsField(p, o, base, f.name, f.vals) {
						continue // the field's own checks came with it, in 1.25
					}
					if mixed := identityFieldsSet(src.GetPrincipals(), src.GetNotPrincipals(), src.GetNamespaces(), src.GetNotNamespaces()); mixed != "" {
						p.Reportf(o, base+"."+f.name,
							"%s sets %s together with %s in one source: the API server rejects the policy (\"Cannot set "+
								"serviceAccounts with namespaces or principals\")", o.Ref(), f.name, mixed)
					}
				}
			}
		}
	}
}

func identityFieldsSet(principals, notPrincipals, namespaces, notNamespaces []string) string {
	var set []string
	for _, f := range []struct {
		name string
		n    int
	}{{"principals", len(principals)}, {"notPrincipals", len(notPrincipals)}, {"namespaces", len(namespaces)}, {"notNamespaces", len(notNamespaces)}} {
		if f.n > 0 {
			set = append(set, f.name)
		}
	}
	return strings.Join(set, " and ")
}

// checkServiceAccountsField reports what is wrong with one serviceAccounts
// list; known is false when the facts' Istio predates the field, whose
// CRD rules then do not apply either.
func checkServiceAccountsField(p *rules.Pass, o *manifest.Object, base, name string, vals []string) (known bool) {
	path := base + "." + name
	if p.Facts.IstioVersion.AtLeast(1, 25) == mesh.No {
		p.Reportf(o, path,
			"%s uses %s, which Istio %s does not know (added in 1.25): strict field validation (kubectl apply's default) "+
				"refuses the policy; a client that does not ask for it has the field dropped, and the source then admits what its "+
				"other fields allow, or is rejected as empty by istiod's webhook", o.Ref(), name, p.Facts.IstioVersion)
		return false
	}
	if len(vals) > 16 {
		p.Reportf(o, path, "%s lists %d %s; the API server accepts at most 16", o.Ref(), len(vals), name)
	}
	for k, v := range vals {
		vpath := fmt.Sprintf("%s[%d]", path, k)
		switch {
		case strings.Contains(v, "*"):
			p.Reportf(o, vpath, "%s: %s entry %q contains \"*\", which is not a wildcard there: list the service accounts", o.Ref(), name, v)
		case strings.Count(v, "/") > 1 || strings.HasPrefix(v, "/") || strings.HasSuffix(v, "/"):
			hint := ""
			if pr, ok := rules.ParsePrincipal(strings.TrimPrefix(v, "spiffe://")); ok {
				hint = fmt.Sprintf("; write %q", pr.Namespace+"/"+pr.SA)
			}
			p.Reportf(o, vpath, "%s: %s entry %q is not <namespace>/<service account>, so it never matches%s", o.Ref(), name, v, hint)
		}
	}
	return true
}

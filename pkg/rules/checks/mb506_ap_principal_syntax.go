package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// APPrincipalSyntax catches principals that can never match: Istio adds
// the spiffe:// prefix itself, wants five path segments, and treats "*" as
// a wildcard only at either end.
var APPrincipalSyntax = &rules.Rule{
	ID:       "MB506",
	Slug:     "ap-principal-syntax",
	Severity: rules.Error,
	Summary:  "AuthorizationPolicy principal is written so that it never matches any workload",
	Rationale: "An AuthorizationPolicy principal is a SPIFFE ID without its scheme: <trust domain>/ns/<namespace>/sa/<service " +
		"account>, for example cluster.local/ns/batch/sa/etl. Istio prepends \"spiffe://\" when it builds the Envoy " +
		"matcher, so a value copied with the prefix becomes spiffe://spiffe://... and never matches; neither does a " +
		"value without the trust domain (ns/batch/sa/etl) or with a \"*\" in the middle (only a whole \"*\", a leading " +
		"\"*\" or a trailing \"*\" are wildcards; elsewhere it is a literal character). In an ALLOW rule that locks the " +
		"intended client out; in notPrincipals of a DENY rule it denies everyone. The same holds for source.principal " +
		"in when conditions. Namespaces are plain names; a principal-like value there never matches either. " +
		"istioctl analyze does not check any of this. A principal with a trust domain that is neither cluster.local " +
		"(which Istio maps to the local trust domain), the mesh trust domain nor one of its aliases only matches " +
		"workloads of another mesh: that is reported as a warning when --trust-domain or --trust-domain-alias is " +
		"given, and as a note otherwise.",
	Remediation: "Write principals as cluster.local/ns/<namespace>/sa/<service account> (no spiffe://, \"*\" only at the start " +
		"or end), or use source.serviceAccounts: [\"<namespace>/<service account>\"] on Istio 1.25+.",
	Kinds: []string{"AuthorizationPolicy"},
	Reads: rules.Reads{Loop: []string{"AuthorizationPolicy"}},
	Sources: []string{
		"istio/istio pilot/pkg/security/authz/model/generator.go (StringMatcherWithPrefix(value, spiffe://))",
		"istio/istio pilot/pkg/security/authz/matcher/string.go (wildcards)",
		"istio/istio pilot/pkg/security/trustdomain/bundle.go (cluster.local and aliases)",
		"istio/api security/v1beta1/authorization_policy.proto (Source.principals)",
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
            principals: ["spiffe://cluster.local/ns/batch/sa/etl"]
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
`,
	AutoFix: "Drops spiffe:// from a principal when what remains is a principal of this mesh (or a wildcard at an end), " +
		"keeping the value's quoting; writes the namespace for a namespaces value that names a principal.",
	Check: checkAPPrincipalSyntax,
}

func checkAPPrincipalSyntax(p *rules.Pass) {
	for _, o := range p.Index.OfKind("AuthorizationPolicy") {
		ap := rules.AuthorizationPolicy(o)
		for i, r := range ap.Spec.GetRules() {
			for j, from := range r.GetFrom() {
				src := from.GetSource()
				base := fmt.Sprintf("spec.rules[%d].from[%d].source", i, j)
				for k, v := range src.GetPrincipals() {
					checkPrincipalValue(p, o, fmt.Sprintf("%s.principals[%d]", base, k), "principals", v)
				}
				for k, v := range src.GetNotPrincipals() {
					checkPrincipalValue(p, o, fmt.Sprintf("%s.notPrincipals[%d]", base, k), "notPrincipals", v)
				}
				for k, v := range src.GetNamespaces() {
					checkNamespaceValue(p, o, fmt.Sprintf("%s.namespaces[%d]", base, k), "namespaces", v)
				}
				for k, v := range src.GetNotNamespaces() {
					checkNamespaceValue(p, o, fmt.Sprintf("%s.notNamespaces[%d]", base, k), "notNamespaces", v)
				}
			}
			for j, c := range r.GetWhen() {
				base := fmt.Sprintf("spec.rules[%d].when[%d]", i, j)
				switch c.GetKey() {
				case "source.principal":
					for k, v := range c.GetValues() {
						checkPrincipalValue(p, o, fmt.Sprintf("%s.values[%d]", base, k), "source.principal", v)
					}
					for k, v := range c.GetNotValues() {
						checkPrincipalValue(p, o, fmt.Sprintf("%s.notValues[%d]", base, k), "source.principal", v)
					}
				case "source.namespace":
					for k, v := range c.GetValues() {
						checkNamespaceValue(p, o, fmt.Sprintf("%s.values[%d]", base, k), "source.namespace", v)
					}
					for k, v := range c.GetNotValues() {
						checkNamespaceValue(p, o, fmt.Sprintf("%s.notValues[%d]", base, k), "source.namespace", v)
					}
				}
			}
		}
	}
}

func checkPrincipalValue(p *rules.Pass, o *manifest.Object, path, field, v string) {
	switch {
	case strings.HasPrefix(strings.ToLower(v), "spiffe://"):
		p.ReportFixf(rules.Offer{Description: "drop spiffe://", Build: func(ed *manifest.Editor) error {
			rest := v[len("spiffe://"):]
			if !principalMatches(p, rest) {
				if _, ok := rules.ParsePrincipal(rest); ok && !strings.Contains(rest, "*") && p.Facts.TrustDomain == "" && len(p.Facts.TrustAliases) == 0 {
					// a principal of another trust domain, perhaps the mesh's own
					return &rules.NeedsFacts{Facts: []string{rules.FactTrustDomain}}
				}
				return manifest.ErrNoEdit // still wrong without it: another finding says how
			}
			return ed.ReplaceInScalar(path, v[:len("spiffe://")], "")
		}}, o, path,
			"%s: %s %q starts with spiffe://, which Istio adds itself, so it never matches; write %q",
			o.Ref(), field, v, v[len("spiffe://"):])
		return
	case v == "*" || v == "":
		return
	case strings.Contains(strings.Trim(v, "*"), "*"):
		p.Reportf(o, path,
			"%s: %s %q has a \"*\" in the middle, which Istio matches literally, so it never matches: use a whole-segment "+
				"prefix or suffix such as %q", o.Ref(), field, v, suggestWildcard(v))
		return
	case strings.HasPrefix(v, "*") || strings.HasSuffix(v, "*"):
		return // prefix or suffix match: any shape is possible
	}
	pr, ok := rules.ParsePrincipal(v)
	if !ok {
		p.Reportf(o, path,
			"%s: %s %q is not <trust domain>/ns/<namespace>/sa/<service account>, so it never matches a workload identity "+
				"(for example %q)", o.Ref(), field, v, exampleFor(v, p.Facts))
		return
	}
	if slices.Contains(rules.LocalTrustDomains(p.Facts), pr.TrustDomain) {
		return
	}
	sev := rules.Info
	assumed := " (assumed: the mesh trust domain is cluster.local without aliases; pass --trust-domain and --trust-domain-alias)"
	if p.Facts.TrustDomain != "" || len(p.Facts.TrustAliases) > 0 {
		sev, assumed = rules.Warning, ""
	}
	p.ReportSeverityf(sev, o, path,
		"%s: %s %q names trust domain %q, which is neither cluster.local, the mesh trust domain %q nor an alias%s: "+
			"it only matches workloads of another mesh; write cluster.local/ns/%s/sa/%s for this mesh",
		o.Ref(), field, v, pr.TrustDomain, p.Facts.Domain(), assumed, pr.Namespace, pr.SA)
}

func checkNamespaceValue(p *rules.Pass, o *manifest.Object, path, field, v string) {
	if !strings.Contains(v, "/") {
		return
	}
	ns := v
	if pr, ok := rules.ParsePrincipal(strings.TrimPrefix(v, "spiffe://")); ok {
		ns = pr.Namespace
	} else if parts := strings.Split(v, "/"); len(parts) >= 3 && parts[len(parts)-2] == "ns" {
		ns = parts[len(parts)-1]
	} else {
		ns = "<namespace>"
	}
	p.ReportFixf(rules.Offer{Description: "write the namespace name", Build: func(ed *manifest.Editor) error {
		if ns == "<namespace>" {
			return manifest.ErrNoEdit
		}
		return ed.ReplaceScalar(path, ns)
	}}, o, path, "%s: %s %q is not a namespace name, so it never matches; write %q", o.Ref(), field, v, ns)
}

// suggestWildcard turns "cluster.local/ns/*/sa/etl" into "*/sa/etl".
func suggestWildcard(v string) string {
	i := strings.LastIndex(v, "*")
	return "*" + v[i+1:]
}

// exampleFor guesses the principal meant: "ns/batch/sa/etl" becomes
// "cluster.local/ns/batch/sa/etl".
func exampleFor(v string, f mesh.Facts) string {
	parts := strings.Split(strings.Trim(v, "/"), "/")
	for i := 0; i+3 < len(parts); i++ {
		if parts[i] == "ns" && parts[i+2] == "sa" {
			return identityString(f, parts[i+1], parts[i+3])
		}
	}
	if len(parts) == 2 {
		return identityString(f, parts[0], parts[1])
	}
	return identityString(f, "<namespace>", "<service account>")
}

// principalMatches reports whether checkPrincipalValue would pass v: a
// wildcard at an end, or a principal of this mesh's trust domains.
func principalMatches(p *rules.Pass, v string) bool {
	switch {
	case v == "*":
		return true
	case strings.Contains(strings.Trim(v, "*"), "*"):
		return false
	case strings.HasPrefix(v, "*") || strings.HasSuffix(v, "*"):
		return true
	}
	pr, ok := rules.ParsePrincipal(v)
	return ok && slices.Contains(rules.LocalTrustDomains(p.Facts), pr.TrustDomain)
}

package checks

import (
	"fmt"
	"slices"
	"strings"

	securityv1beta1 "istio.io/api/security/v1beta1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// APJobIdentityMismatch checks that an AuthorizationPolicy written for a
// Job admits the identity the Job actually runs as.
var APJobIdentityMismatch = &rules.Rule{
	ID:       "MB507",
	Slug:     "ap-job-identity-mismatch",
	Severity: rules.Error,
	Summary:  "AuthorizationPolicy meant for a Job does not admit the identity the Job runs as",
	Rationale: "A Job's mesh identity is <trust domain>/ns/<its namespace>/sa/<its serviceAccountName, or default>. An ALLOW " +
		"policy on the server that lists another service account or namespace denies the Job (RBAC: access denied, or a " +
		"reset TCP connection) while looking right in review; the usual causes are a renamed service account, a Job " +
		"moved to another namespace, or a principal typed by hand. The rule pairs policies with Jobs through the " +
		"annotation meshbatch.dev/job: <namespace>/<name> that meshbatch generate writes, and compares the rule's " +
		"principals, namespaces and serviceAccounts (with Istio's wildcard and trust-domain semantics) with the Job's " +
		"identity. It also catches, as a warning, a principal that names a service account no workload of that " +
		"namespace uses when the input shows the namespace's Jobs and the ServiceAccount is not loaded: the likely " +
		"typo of a Job identity. Kiali checks principals against live service accounts (KIA0106); offline tools do not.",
	Remediation: "Make the policy's principal cluster.local/ns/<job namespace>/sa/<job serviceAccountName> (or set the Job's " +
		"serviceAccountName to the account the policy names), and keep the meshbatch.dev/job annotation in step with the Job.",
	Kinds: []string{"AuthorizationPolicy", "Job", "CronJob", "ServiceAccount"},
	Reads: rules.Reads{Loop: []string{"AuthorizationPolicy"}},
	Sources: []string{
		"istio/api security/v1beta1/authorization_policy.proto (Source.principals, serviceAccounts)",
		"kiali/kiali business/checkers/authorization (KIA0106)",
		"istio/istio pkg/spiffe/spiffe.go (identity format)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      serviceAccountName: etl
      restartPolicy: Never
      containers:
        - {name: etl, image: registry.example.com/etl:1.4.2}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: etl-to-postgres
  namespace: database
  annotations: {meshbatch.dev/job: batch/etl}
spec:
  selector:
    matchLabels: {app: postgres}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/batch/sa/etl-job"]
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      serviceAccountName: etl
      restartPolicy: Never
      containers:
        - {name: etl, image: registry.example.com/etl:1.4.2}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: etl-to-postgres
  namespace: database
  annotations: {meshbatch.dev/job: batch/etl}
spec:
  selector:
    matchLabels: {app: postgres}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/batch/sa/etl"]
`,
	Check: checkAPJobIdentityMismatch,
}

func checkAPJobIdentityMismatch(p *rules.Pass) {
	cache := map[string]nsIdentities{}
	for _, o := range p.Index.OfKind("AuthorizationPolicy") {
		ap := rules.AuthorizationPolicy(o)
		if ap.Spec.GetAction() != securityv1beta1.AuthorizationPolicy_ALLOW {
			continue
		}
		if job, ok := o.Annotations[mesh.AnnotJob]; ok {
			checkAnnotatedPolicy(p, o, &ap.Spec, job)
			continue
		}
		checkPrincipalTypos(p, o, &ap.Spec, cache)
	}
}

func checkAnnotatedPolicy(p *rules.Pass, o *manifest.Object, ap *securityv1beta1.AuthorizationPolicy, job string) {
	ns, name, ok := strings.Cut(job, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		p.ReportSeverityf(rules.Warning, o, "metadata.annotations"+pathKey(mesh.AnnotJob),
			"%s: annotation %s is %q, not <namespace>/<job name>, so meshbatch cannot pair it with its Job", o.Ref(), mesh.AnnotJob, job)
		return
	}
	w, ok := p.Index.Batch(ns, name)
	if !ok {
		return // the Job lives elsewhere; nothing to compare
	}
	sa := w.ServiceAccount()
	policyNS := rules.NamespaceOf(o)
	for _, r := range ap.GetRules() {
		if rules.RuleAdmits(r, policyNS, w.Namespace(), sa, p.Facts) {
			return
		}
	}
	if len(ap.GetRules()) == 0 {
		p.Because(w.Object()).Reportf(o, "spec.rules", "%s is annotated for %s, but it has no rules, so it admits nothing: the Job is denied",
			o.Ref(), w.Object().Ref())
		return
	}
	path, listed := firstIdentityField(ap)
	if td := foreignTrustDomainMatch(ap, policyNS, w.Namespace(), sa, p.Facts); td != "" {
		p.Because(w.Object()).ReportSeverityf(rules.Info, o, path,
			"%s is annotated for %s and admits it only if the mesh trust domain is %s (assumed: %s, Istio's default; pass "+
				"--trust-domain): otherwise the Job is denied", o.Ref(), w.Object().Ref(), td, p.Facts.Domain())
		return
	}
	p.Because(w.Object()).Reportf(o, path,
		"%s is annotated for %s, which runs as %s, but it admits %s: the Job is denied",
		o.Ref(), w.Object().Ref(), identityString(p.Facts, w.Namespace(), sa), listed)
}

// firstIdentityField returns the path of the first identity-bearing field
// of a policy's rules and a description of what the rules admit.
func firstIdentityField(ap *securityv1beta1.AuthorizationPolicy) (string, string) {
	var listed []string
	path := "spec.rules"
	for i, r := range ap.GetRules() {
		for j, from := range r.GetFrom() {
			src := from.GetSource()
			base := fmt.Sprintf("spec.rules[%d].from[%d].source", i, j)
			for _, f := range []struct {
				name string
				vals []string
			}{
				{"principals", src.GetPrincipals()}, {"serviceAccounts", src.GetServiceAccounts()}, {"namespaces", src.GetNamespaces()},
				{"notPrincipals", src.GetNotPrincipals()}, {"notServiceAccounts", src.GetNotServiceAccounts()}, {"notNamespaces", src.GetNotNamespaces()},
			} {
				if len(f.vals) == 0 {
					continue
				}
				if path == "spec.rules" {
					path = base + "." + f.name + "[0]"
				}
				listed = append(listed, f.name+" "+strings.Join(f.vals, ", "))
			}
		}
	}
	if len(listed) == 0 {
		return path, "other sources"
	}
	return path, strings.Join(listed, "; ")
}

// checkPrincipalTypos reports principals naming an identity no workload of
// the input has, in a namespace whose Jobs the input shows.
func checkPrincipalTypos(p *rules.Pass, o *manifest.Object, ap *securityv1beta1.AuthorizationPolicy, cache map[string]nsIdentities) {
	for i, r := range ap.GetRules() {
		for j, from := range r.GetFrom() {
			for k, v := range from.GetSource().GetPrincipals() {
				pr, ok := rules.ParsePrincipal(v)
				if !ok || strings.Contains(v, "*") || !slices.Contains(rules.LocalTrustDomains(p.Facts), pr.TrustDomain) {
					continue
				}
				ids, done := cache[pr.Namespace]
				if !done {
					ids = identitiesIn(p.Index, pr.Namespace)
					cache[pr.Namespace] = ids
				}
				if len(ids.jobs) == 0 || ids.used[pr.SA] || p.Index.ServiceAccount(pr.Namespace, pr.SA) != nil {
					continue
				}
				p.MissingSeverityf(rules.Warning, o, fmt.Sprintf("spec.rules[%d].from[%d].source.principals[%d]", i, j, k),
					"%s admits %s, but no workload of namespace %s in the input runs as service account %s and no such "+
						"ServiceAccount is loaded; the Jobs there run as %s", o.Ref(), v, pr.Namespace, pr.SA, ids.jobList())
			}
		}
	}
}

// nsIdentities are the batch workloads of a namespace ("Job ns/name (sa)",
// at most five) and the service accounts any of its workloads runs as.
type nsIdentities struct {
	jobs []rules.Peer // the first five Jobs and CronJobs
	used map[string]bool
}

func identitiesIn(ix *rules.Index, ns string) nsIdentities {
	ids := nsIdentities{used: map[string]bool{}}
	for _, w := range ix.WorkloadsIn(ns) {
		ids.used[w.ServiceAccount()] = true
		if w.IsBatch() && len(ids.jobs) < 5 {
			ids.jobs = append(ids.jobs, w)
		}
	}
	return ids
}

// jobList names the Jobs and their service accounts, for a message.
func (ids nsIdentities) jobList() string {
	names := make([]string, len(ids.jobs))
	for i, w := range ids.jobs {
		names[i] = fmt.Sprintf("%s (%s)", w.Object().Ref(), w.ServiceAccount())
	}
	return strings.Join(names, ", ")
}

// foreignTrustDomainMatch returns the trust domain of a principal that
// would admit the Job if it were the mesh's, when the trust domain was not
// given: the verdict then rests on an assumption.
func foreignTrustDomainMatch(ap *securityv1beta1.AuthorizationPolicy, policyNS, ns, sa string, f mesh.Facts) string {
	if f.TrustDomain != "" {
		return ""
	}
	for _, r := range ap.GetRules() {
		for _, from := range r.GetFrom() {
			for _, v := range from.GetSource().GetPrincipals() {
				pr, ok := rules.ParsePrincipal(v)
				if !ok || slices.Contains(rules.LocalTrustDomains(f), pr.TrustDomain) {
					continue
				}
				g := f
				g.TrustDomain = pr.TrustDomain
				if rules.RuleAdmits(r, policyNS, ns, sa, g) {
					return pr.TrustDomain
				}
			}
		}
	}
	return ""
}

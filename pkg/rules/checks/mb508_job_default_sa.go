package checks

import (
	"slices"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// JobDefaultSA flags Jobs whose access is granted to the namespace's
// default service account, an identity every other pod there shares.
var JobDefaultSA = &rules.Rule{
	ID:       "MB508",
	Slug:     "job-default-sa",
	Severity: rules.Warning,
	Summary:  "Job runs as the default service account while a policy grants access by that identity",
	Rationale: "A pod that names no serviceAccountName runs as \"default\", and so does every other such pod of the " +
		"namespace. An AuthorizationPolicy that admits cluster.local/ns/<namespace>/sa/default to reach a database " +
		"therefore admits every one of them, and removing it for one breaks the others: identity-based policy only " +
		"means something with a dedicated service account per workload. The rule fires when an ALLOW policy names the " +
		"default identity of the Job's namespace exactly, or is annotated meshbatch.dev/job for the Job.",
	Remediation: "Create a ServiceAccount for the Job (automountServiceAccountToken: false if it does not call the API server), " +
		"set serviceAccountName in its pod template, and name that account in the policy.",
	Kinds: []string{"Job", "CronJob", "AuthorizationPolicy"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pkg/spiffe/spiffe.go (identity = namespace + service account)",
		"kubernetes.io docs/concepts/security/service-accounts (default service account)",
	},
	Bad: `apiVersion: batch/v1
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
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: batch-to-postgres, namespace: database}
spec:
  selector:
    matchLabels: {app: postgres}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/batch/sa/default"]
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
	Check: checkJobDefaultSA,
}

func checkJobDefaultSA(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		if w.ServiceAccount() != "default" || p.Index.InMesh(w) == mesh.No {
			continue
		}
		policies := append([]*manifest.Object{}, p.Index.PoliciesForJob(w.Namespace, w.Object.Name, p.Facts)...)
		for _, o := range p.Index.PoliciesNaming(w.Namespace, "default", p.Facts) {
			if !slices.Contains(policies, o) {
				policies = append(policies, o)
			}
		}
		if len(policies) == 0 {
			continue
		}
		p.Reportf(w.Object, w.ServiceAccountPath(),
			"%s runs as the default service account of namespace %s, and %s grants access by that identity (%s): "+
				"every other pod of the namespace without a serviceAccountName gets the same access",
			w.Object.Ref(), w.Namespace, refs(policies, 3), identityString(p.Facts, w.Namespace, "default"))
	}
}

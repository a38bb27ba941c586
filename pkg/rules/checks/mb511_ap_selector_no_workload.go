package checks

import "github.com/meshbatch/meshbatch/pkg/rules"

// APSelectorNoWorkload flags AuthorizationPolicies whose selector picks no
// pod template of their namespace, when the input shows that namespace's
// workloads.
var APSelectorNoWorkload = &rules.Rule{
	ID:       "MB511",
	Slug:     "ap-selector-no-workload",
	Severity: rules.Warning,
	Summary:  "AuthorizationPolicy selector matches none of the pod templates of its namespace",
	Rationale: "An AuthorizationPolicy applies only to pods whose labels include every selector label. A selector that " +
		"matches nothing, usually a label that differs between the policy and the workload's pod template (app vs " +
		"app.kubernetes.io/name, a renamed Deployment), leaves the intended server unprotected, or leaves an ALLOW " +
		"for a Job unused while another policy denies it. istioctl analyze checks selectors only against running " +
		"Pods (IST0127) and skips the check offline. The rule compares the selector with the pod templates of the " +
		"policy's namespace and speaks only when the input holds some of its server workloads (anything but Jobs and " +
		"CronJobs), so a policy for a namespace whose servers live in another repository, such as the destination " +
		"policies meshbatch generate writes, is not reported; in --partial mode it stays silent.",
	Remediation: "Make the selector's matchLabels a subset of the target pod template's labels (spec.template.metadata.labels), " +
		"or delete the policy if its workload is gone.",
	Kinds: []string{"AuthorizationPolicy", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"},
	Reads: rules.Reads{Loop: []string{"AuthorizationPolicy"}},
	Sources: []string{
		"istio/istio pkg/config/analysis/analyzers/authz (IST0127 NoMatchingWorkloadsFound, live Pods only)",
		"istio/api type/v1beta1/selector.proto (matchLabels)",
	},
	Bad: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: database}
spec:
  serviceName: postgres
  selector:
    matchLabels: {app.kubernetes.io/name: postgres}
  template:
    metadata:
      labels: {app.kubernetes.io/name: postgres}
    spec:
      containers:
        - {name: postgres, image: postgres:16}
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
	Good: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: database}
spec:
  serviceName: postgres
  selector:
    matchLabels: {app.kubernetes.io/name: postgres}
  template:
    metadata:
      labels: {app.kubernetes.io/name: postgres}
    spec:
      containers:
        - {name: postgres, image: postgres:16}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: etl-to-postgres, namespace: database}
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: postgres}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/batch/sa/etl"]
`,
	Check: checkAPSelectorNoWorkload,
}

func checkAPSelectorNoWorkload(p *rules.Pass) {
	for _, o := range p.Index.OfKind("AuthorizationPolicy") {
		ap := rules.AuthorizationPolicy(o)
		sel := ap.Spec.GetSelector().GetMatchLabels()
		if len(sel) == 0 || rules.TargetsByRef(&ap.Spec) {
			continue
		}
		ns := rules.NamespaceOf(o)
		if len(p.Index.SelectedWorkloads(ns, sel)) > 0 {
			continue
		}
		// Servers are what policies select: only when the input holds some
		// server workloads of the namespace is the absence telling.
		var all []rules.Peer
		for _, w := range p.Index.WorkloadsIn(ns) {
			if !w.IsBatch() {
				all = append(all, w)
			}
		}
		if len(all) == 0 {
			continue
		}
		p.MissingSeverityf(rules.Warning, o, "spec.selector.matchLabels",
			"%s selects %s, but none of the %d workloads of namespace %s in the input has those labels (for example %s has %s): "+
				"the policy applies to no workload", o.Ref(), selectorKey(sel), len(all), ns, all[0].Object().Ref(), labelList(all[0].Labels().ToMap()))
	}
}

// labelList prints labels canonically, "none" when empty.
func labelList(l map[string]string) string {
	if len(l) == 0 {
		return "no labels"
	}
	return selectorKey(l)
}

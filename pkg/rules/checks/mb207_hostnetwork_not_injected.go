package checks

import (
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// HostNetworkNotInjected catches Jobs that silently leave the mesh.
var HostNetworkNotInjected = &rules.Rule{
	ID:       "MB207",
	Slug:     "hostnetwork-not-injected",
	Severity: rules.Warning,
	Summary:  "A Job meant for the mesh uses hostNetwork, so Istio never injects it",
	Rationale: "Istio never injects a pod with hostNetwork: true (its iptables rules would rewrite the node's routing, " +
		"not the pod's), whatever the namespace or pod labels say. Such a Job runs outside the mesh: it has no Istio " +
		"identity, its calls are plaintext, and servers under STRICT mTLS refuse them; AuthorizationPolicies written for " +
		"its service account never match. Reported as a warning when the pod template itself asks for a sidecar, as info " +
		"when only the namespace is labelled.",
	Remediation: "Drop hostNetwork: true if the Job does not need the node's network namespace; otherwise accept that it is outside the mesh and give the servers it calls a PERMISSIVE port or another way in.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pkg/kube/inject/inject.go injectRequired (hostNetwork)",
		"istio.io content/en/docs/ops/common-problems/injection",
		"istio.io content/en/about/faq/security/non-istio-to-istio.md",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: node-report, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      hostNetwork: true
      restartPolicy: Never
      containers:
        - name: report
          image: registry.example.com/node-report:1
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: node-report, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: report
          image: registry.example.com/node-report:1
`,
	Check: checkHostNetworkNotInjected,
}

func checkHostNetworkNotInjected(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		if !w.Template.Spec.HostNetwork {
			continue
		}
		if _, _, pre := rules.InjectedProxy(w); pre {
			continue
		}
		label, hasLabel := w.Template.Labels[mesh.LabelInject]
		if hasLabel && !mesh.InjectTruthy(label) {
			continue // opted out anyway
		}
		path := w.PodPath("hostNetwork")
		switch {
		case (hasLabel && mesh.InjectTruthy(label)) || rules.MeshIntent(w):
			p.Reportf(w.Object, path,
				"%s asks for an Istio sidecar in its pod template but sets hostNetwork: true, and Istio never injects "+
					"host-network pods: the Job runs outside the mesh, and servers under STRICT mTLS refuse its plaintext calls",
				w.Object.Ref())
		case nsLabelledForInjection(p.Index, w.Namespace) == mesh.Yes:
			p.ReportSeverityf(rules.Info, w.Object, path,
				"%s runs in namespace %s, which is labelled for injection, but sets hostNetwork: true, so Istio does not "+
					"inject it: the Job runs outside the mesh", w.Object.Ref(), w.Namespace)
		}
	}
}

package checks

import (
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// SidecarScopeMissing suggests narrowing the config pushed to batch
// proxies.
var SidecarScopeMissing = &rules.Rule{
	ID:       "MB304",
	Slug:     "sidecar-scope-missing",
	Severity: rules.Info,
	Summary:  "No Sidecar resource narrows the configuration pushed to the Job's proxy",
	Rationale: "By default istiod sends every proxy the routes and clusters of every service in the mesh. Envoy's memory " +
		"and its time to become ready grow with that configuration, which a batch pod pays for on every run, before the " +
		"app can start, and once per pod when the Job fans out. A Sidecar resource with egress.hosts (selector-less in the " +
		"Job's namespace, one whose workloadSelector matches the pod template, or a mesh-wide default in the root " +
		"namespace) \"prunes out unneeded configuration\". It is not an egress firewall unless outboundTrafficPolicy is " +
		"REGISTRY_ONLY. Reported as info, and only when the whole input is linted: the Sidecar may live elsewhere.",
	Remediation: "Add a Sidecar in the Job's namespace whose egress.hosts lists what the Job calls, for example [\"./*\", \"istio-system/*\", \"db/orders.db.svc.cluster.local\"].",
	Kinds:       []string{"Job", "CronJob", "Namespace", "Sidecar"},
	Reads:       rules.Reads{Spec: []string{"Sidecar"}, Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/api networking/v1alpha3/sidecar.proto (\"prune out unneeded configuration, to improve scalability\")",
		"istio.io docs/ops/best-practices/performance",
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
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: batch}
spec:
  egress:
    - hosts: ["./*", "istio-system/*"]
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkSidecarScopeMissing,
}

func checkSidecarScopeMissing(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if m.Sidecar() != mesh.Yes {
			continue
		}
		if scopedBySidecar(p, w) {
			continue
		}
		p.Missingf(w.Object, w.TemplatePath+".metadata",
			"%s: no Sidecar resource with egress hosts applies to its pods (none in the input selects them in "+
				"namespace %s or is a default in the root namespace %s), so its proxy receives the configuration of "+
				"every service in the mesh",
			w.Object.Ref(), w.Namespace, p.Facts.Root())
	}
}

// scopedBySidecar reports whether a Sidecar with egress hosts applies to
// the workload's pods: one selecting them in their namespace, a
// selector-less one there, or a selector-less one in the root namespace.
func scopedBySidecar(p *rules.Pass, w *rules.Workload) bool {
	for _, ns := range []string{w.Namespace, p.Facts.Root()} {
		for _, o := range p.Index.InNamespace("Sidecar", ns) {
			sc := rules.Sidecar(o)
			sel := sc.GetWorkloadSelector().GetLabels()
			if ns != w.Namespace && len(sel) > 0 {
				continue // root-namespace Sidecars apply mesh-wide only without a selector
			}
			if len(sel) > 0 && !wlLabelsMatch(sel, w.Template.Labels) {
				continue
			}
			for _, e := range sc.GetEgress() {
				if len(e.GetHosts()) > 0 {
					return true
				}
			}
		}
	}
	return false
}

func wlLabelsMatch(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

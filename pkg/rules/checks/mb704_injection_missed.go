package checks

import (
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// InjectionMissed finds pods the injection webhook should have changed
// and did not.
var InjectionMissed = &rules.Rule{
	ID:       "MB704",
	Slug:     "injection-missed",
	Severity: rules.Error,
	Summary:  "A running pod that its namespace or labels select for sidecar injection has no istio-proxy: the webhook missed it",
	Rationale: "Istio's injector is a mutating admission webhook: it adds istio-proxy, and the sidecar.istio.io/status " +
		"annotation that records what it injected, when the API server calls it at the pod's creation. The chart " +
		"registers it with failurePolicy: Fail, but installs that change it to Ignore, a webhook configuration " +
		"whose selectors were edited, or a pod created while the namespace was not yet labelled, let a pod in without " +
		"either. Such a pod is outside the mesh: its calls leave in plaintext, which every peer under STRICT mTLS " +
		"refuses, and it has no identity for AuthorizationPolicies to admit. Labelling the namespace afterwards does " +
		"not change it: injection happens only when a pod is created. A pod that has finished (Succeeded or Failed) " +
		"or is being deleted is not reported: its run is over.",
	Remediation: "Recreate the pod so that the webhook sees it (delete it; a Job or CronJob runs it again), after " +
		"checking that istiod's injector is up and that its webhook configuration selects the namespace " +
		"(kubectl get mutatingwebhookconfiguration -l app=sidecar-injector).",
	Kinds: []string{"Pod"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio.io/latest/docs/setup/additional-setup/sidecar-injection (injection happens at pod creation)",
		"istio/istio pkg/kube/inject/webhook.go (injectRequired; sidecar.istio.io/status)",
		"istio/istio manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml (failurePolicy)",
	},
	Bad: `apiVersion: v1
kind: Namespace
metadata:
  name: batch
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Pod
metadata: {name: etl-7xk2p, namespace: batch}
spec:
  restartPolicy: Never
  containers:
    - {name: etl, image: registry.example.com/etl:1.4.2}
status:
  phase: Running
  startTime: "2026-06-01T10:00:00Z"
`,
	Good: `apiVersion: v1
kind: Namespace
metadata:
  name: batch
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Pod
metadata:
  name: etl-7xk2p
  namespace: batch
  annotations:
    sidecar.istio.io/status: '{"initContainers":["istio-init"],"containers":["istio-proxy"]}'
spec:
  restartPolicy: Never
  initContainers:
    - {name: istio-init, image: docker.io/istio/proxyv2:1.28.0}
  containers:
    - {name: etl, image: registry.example.com/etl:1.4.2}
    - {name: istio-proxy, image: docker.io/istio/proxyv2:1.28.0}
status:
  phase: Running
  startTime: "2026-06-01T10:00:00Z"
`,
	Check: checkInjectionMissed,
}

func checkInjectionMissed(p *rules.Pass) {
	for w, pod := range livePods(p.Index) {
		if podFinished(pod) || pod.DeletionTimestamp != nil {
			continue // its run is over or ending: recreating it is what matters, and a Job does that itself
		}
		if _, injected := pod.Annotations[mesh.AnnotStatus]; injected {
			continue
		}
		if _, _, ok := rules.InjectedProxy(w); ok {
			continue
		}
		inj := p.Index.Injection(w)
		if inj.Sidecar != mesh.Yes || inj.Ambient {
			continue
		}
		p.Reportf(w.Object, "spec.containers", "%s was admitted without istio-proxy and without the sidecar.istio.io/status "+
			"annotation, although %s: the injection webhook was not called, failed open or skipped it, so its traffic "+
			"leaves in plaintext and peers under STRICT mTLS refuse it; recreate the pod once the injector works",
			w.Object.Ref(), inj.Reason)
	}
}

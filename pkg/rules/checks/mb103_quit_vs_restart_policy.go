package checks

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// QuitVsRestartPolicy catches quit calls whose timing does not fit the
// pod's restartPolicy.
var QuitVsRestartPolicy = &rules.Rule{
	ID:       "MB103",
	Slug:     "quit-vs-restart-policy",
	Severity: rules.Warning,
	Summary:  "The app stops the sidecar at the wrong moment for the pod's restartPolicy",
	Rationale: "With a classic sidecar, when the app calls /quitquitquit must match what Kubernetes does after a failure. " +
		"With restartPolicy: Never a failed pod is replaced by a new one, so the proxy must be stopped on failure too: " +
		"a quit that runs only on success (`app && curl ...`, after the app under `set -e`, or after `app || exit 1`) leaves the proxy running " +
		"when the app fails, the pod stays Running, and the Job neither fails nor retries until activeDeadlineSeconds, " +
		"if any; a quit that runs only on failure (`app || curl ...`) leaves a successful pod running the same way. " +
		"With restartPolicy: OnFailure the kubelet restarts the failed app container inside the same pod; " +
		"a quit that also runs on failure (`app; curl ...`, `trap ... EXIT`) has already stopped the proxy, which exits " +
		"cleanly and is therefore not restarted, so the retry runs with its traffic still redirected to a proxy that is gone " +
		"and every connection fails.",
	Remediation: "With restartPolicy: Never, stop the proxy whatever the app's outcome (`app; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc`); " +
		"with restartPolicy: OnFailure, stop it only on success (`app && curl -fsS -X POST http://127.0.0.1:15020/quitquitquit`) or switch to restartPolicy: Never " +
		"(the message names another port where the pod moves pilot-agent's status port).",
	Kinds: []string{"Job", "CronJob", "Namespace"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"kubernetes.io/docs/concepts/workloads/controllers/job (pod backoff failure policy)",
		"istio/istio pilot/cmd/pilot-agent/status/server.go (quitquitquit)",
		"redboxllc/scuttle NEVER_KILL_ISTIO_ON_FAILURE (both behaviours exist in the wild)",
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
          command: ["/bin/sh", "-c"]
          args: ["/app/etl && curl -fsS -X POST http://127.0.0.1:15020/quitquitquit"]
`,
	Good: `apiVersion: batch/v1
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
          command: ["/bin/sh", "-c"]
          args: ["/app/etl; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc"]
`,
	Check: checkQuitVsRestartPolicy,
}

func checkQuitVsRestartPolicy(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if m.Classic() == mesh.No || len(m.Quits) == 0 {
			continue
		}
		// Not lowered when classic is only assumed: a pod that never
		// finishes, or a retry without a proxy, costs more than a fixed script.
		s := p.Rule.Severity
		switch w.Template.Spec.RestartPolicy {
		case corev1.RestartPolicyOnFailure:
			for _, q := range m.Quits {
				if q.When != rules.QuitAlways && q.When != rules.QuitOnFailure {
					continue
				}
				p.ReportSeverityf(s, w.Object, q.Path,
					"%s: container %s stops the proxy also when it fails, but restartPolicy is OnFailure: the kubelet "+
						"restarts the container in the same pod while the proxy, stopped on request, stays stopped, so "+
						"the retry's connections fail%s%s", w.Object.Ref(), q.Container.Container.Name, statusNote(w), assumed(m.Assumptions()))
				break
			}
		case corev1.RestartPolicyNever, "":
			onSuccess, onFailure := false, false
			for _, q := range m.Quits {
				onSuccess = onSuccess || q.When != rules.QuitOnFailure
				onFailure = onFailure || q.When != rules.QuitOnSuccess
			}
			q := m.Quits[0]
			switch {
			case !onFailure:
				p.ReportSeverityf(s, w.Object, q.Path,
					"%s: container %s stops the proxy only when it succeeds (after &&, under set -e, or after || exit); with "+
						"restartPolicy: Never a failed run leaves the proxy running, so the pod never finishes and the Job "+
						"neither fails nor retries%s%s", w.Object.Ref(), q.Container.Container.Name, statusNote(w), assumed(m.Assumptions()))
			case !onSuccess:
				p.ReportSeverityf(s, w.Object, q.Path,
					"%s: container %s stops the proxy only when it fails (after ||); a successful run leaves the proxy "+
						"running, so the pod never completes%s%s", w.Object.Ref(), q.Container.Container.Name, statusNote(w), assumed(m.Assumptions()))
			}
		}
	}
}

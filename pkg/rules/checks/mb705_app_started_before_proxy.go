package checks

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// AppStartedBeforeProxy is MB201's startup race, seen in a pod's status.
var AppStartedBeforeProxy = &rules.Rule{
	ID:       "MB705",
	Slug:     "app-started-before-proxy",
	Severity: rules.Error,
	Summary:  "An app container failed while its classic istio-proxy sidecar was still starting, and nothing holds the app",
	Rationale: "istio-init redirects every connection of the pod to the proxy before any container starts, but the " +
		"kubelet starts a classic sidecar's containers together: the app's first connections reach a proxy that is " +
		"not listening or has no configuration yet, and fail. An app that does not retry exits non-zero; the kubelet " +
		"restarts it (restartPolicy: OnFailure) or the pod fails and the Job counts a failure (Never). The status shows " +
		"it: a failed run of the app that ended at or within seconds of istio-proxy's start (a proxy is ready a few " +
		"seconds after it starts when istiod answers), while the proxy itself did not restart. An app also fails that " +
		"fast on bad arguments or a missing file, so the finding is an error only when the failed run ended no later " +
		"than the proxy started and the app ran fine once restarted (it runs now, or exited 0); otherwise it is a " +
		"warning that says the proxy may be the cause, as it is on a pod that has finished. It is MB201's race, " +
		"observed; it is not reported when the pod holds the app until the proxy is ready (the injected postStart " +
		"hook), when the app polls the proxy's readiness itself, or when istio-proxy is a native sidecar, which starts " +
		"and is ready before the app.",
	Remediation: "Hold the app until the proxy is ready (proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": " +
		"true}' on the pod template, or mesh-wide), or run the proxy as a native sidecar (sidecar.istio.io/nativeSidecar: " +
		"\"true\"), as MB201 says.",
	Kinds: []string{"Pod"},
	Sources: []string{
		"istio/istio#11130 (app starts before the sidecar is ready)",
		"istio.io/latest/docs/reference/config/istio.mesh.v1alpha1 (holdApplicationUntilProxyStarts)",
		"kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle (container states, lastState, restartCount)",
	},
	Bad: `apiVersion: v1
kind: Pod
metadata: {name: etl-7xk2p, namespace: batch}
spec:
  restartPolicy: OnFailure
  containers:
    - {name: etl, image: registry.example.com/etl:1.4.2}
    - {name: istio-proxy, image: docker.io/istio/proxyv2:1.28.0}
status:
  phase: Running
  containerStatuses:
    - name: etl
      image: registry.example.com/etl:1.4.2
      ready: true
      restartCount: 1
      state:
        running: {startedAt: "2026-06-01T10:00:12Z"}
      lastState:
        terminated: {exitCode: 1, reason: Error, startedAt: "2026-06-01T10:00:01Z", finishedAt: "2026-06-01T10:00:01Z"}
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.28.0
      ready: true
      restartCount: 0
      state:
        running: {startedAt: "2026-06-01T10:00:01Z"}
`,
	Good: `apiVersion: v1
kind: Pod
metadata: {name: etl-7xk2p, namespace: batch}
spec:
  restartPolicy: OnFailure
  containers:
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.28.0
      lifecycle:
        postStart:
          exec: {command: [pilot-agent, wait]}
    - {name: etl, image: registry.example.com/etl:1.4.2}
status:
  phase: Running
  containerStatuses:
    - name: etl
      image: registry.example.com/etl:1.4.2
      ready: true
      restartCount: 0
      state:
        running: {startedAt: "2026-06-01T10:00:03Z"}
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.28.0
      ready: true
      restartCount: 0
      state:
        running: {startedAt: "2026-06-01T10:00:01Z"}
`,
	Check: checkAppStartedBeforeProxy,
}

// proxyStartWindow is how long after its start a proxy counts as not yet
// ready: it is ready within a few seconds when istiod answers.
const proxyStartWindow = 10 * time.Second

func checkAppStartedBeforeProxy(p *rules.Pass) {
	for w, pod := range livePods(p.Index) {
		proxy, ok := proxyStatus(pod)
		if !ok || proxy.Init || proxy.RestartCount > 0 {
			continue // no classic proxy, or one that restarted: its start is not the pod's
		}
		var started time.Time
		switch {
		case proxy.State.Running != nil:
			started = proxy.State.Running.StartedAt.Time
		case proxy.State.Terminated != nil:
			started = proxy.State.Terminated.StartedAt.Time
		}
		if started.IsZero() || rules.HoldsApplication(p.Facts, w) == mesh.Yes || w.WaitsForProxy() {
			continue
		}
		for _, a := range appStatuses(pod) {
			run, path, recovered := failedEarlyRun(a, started)
			if run == nil {
				continue
			}
			after := run.FinishedAt.Sub(started)
			certain := after <= 0
			when := "no later than istio-proxy started"
			if !certain {
				when = fmt.Sprintf("%s after istio-proxy started", span(after))
			}
			then := "it was not restarted, so the run is lost"
			switch {
			case recovered:
				then = fmt.Sprintf("it succeeded once restarted (restart count %d)", a.RestartCount)
			case a.RestartCount > 0:
				then = fmt.Sprintf("it was restarted (restart count %d)", a.RestartCount)
			}
			// Only a run that failed with the proxy not up and then ran fine
			// once restarted shows the race; an app that fails at once may
			// just have bad arguments.
			sev, verdict := rules.Warning, "it may have failed because its first connections were redirected to a proxy "+
				"that was not serving yet, or for a reason of its own (check its log)"
			if recovered && certain {
				sev, verdict = p.Rule.Severity, "its first connections were redirected to a proxy that was not serving yet"
			}
			past := ""
			if podFinished(pod) {
				sev, past = rules.Warning, fmt.Sprintf(" The pod has ended (%s); its next run may meet the same race.", pod.Status.Phase)
			}
			p.ReportSeverityf(sev, w.Object, path,
				"%s: app container %s failed (exit code %d) at %s, %s (%s), before the proxy could be ready: %s; %s. "+
					"Nothing holds the app (no holdApplicationUntilProxyStarts, no native sidecar).%s",
				w.Object.Ref(), a.Name, run.ExitCode, stamp(run.FinishedAt.Time), when, stamp(started), verdict, then, past)
		}
	}
}

// failedEarlyRun returns the app container's run that failed within
// proxyStartWindow of the proxy's start, and its field path: its last
// termination or, when it was not restarted, its current state.
// recovered says that it runs or succeeded since.
func failedEarlyRun(a containerStatus, proxyStarted time.Time) (*corev1.ContainerStateTerminated, string, bool) {
	early := func(t *corev1.ContainerStateTerminated) bool {
		return t != nil && t.ExitCode != 0 && !t.FinishedAt.IsZero() && !t.FinishedAt.After(proxyStarted.Add(proxyStartWindow))
	}
	if t := a.LastTerminationState.Terminated; a.RestartCount > 0 && early(t) {
		now := a.State
		recovered := now.Running != nil || (now.Terminated != nil && now.Terminated.ExitCode == 0)
		if now.Terminated != nil && now.Terminated.ExitCode != 0 || now.Waiting != nil && now.Waiting.Reason == "CrashLoopBackOff" {
			return nil, "", false // it keeps failing after the proxy is up: another cause
		}
		return t, a.Path + ".lastState.terminated", recovered
	}
	if t := a.State.Terminated; a.RestartCount == 0 && early(t) {
		return t, a.Path + ".state.terminated", false
	}
	return nil, "", false
}

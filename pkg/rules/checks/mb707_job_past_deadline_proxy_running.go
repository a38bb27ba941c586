package checks

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// JobPastDeadlineProxyRunning finds pods that outlived their Job's
// deadline with the proxy still up.
var JobPastDeadlineProxyRunning = &rules.Rule{
	ID:       "MB707",
	Slug:     "job-past-deadline-proxy-running",
	Severity: rules.Error,
	Summary:  "A Job's pod still runs a classic istio-proxy after the Job's activeDeadlineSeconds has passed",
	Rationale: "activeDeadlineSeconds counts from the Job's status.startTime; when it passes, the Job controller marks " +
		"the Job Failed (reason DeadlineExceeded) and deletes its running pods, which is the backstop MB104 and MB105 " +
		"recommend against a sidecar that never exits. A pod of that Job that still runs istio-proxy after the deadline " +
		"has escaped the backstop: its deletion hangs (a finalizer, a preStop hook or a drain that does not end), the " +
		"Job controller has not acted, or the pod lost its owner. It keeps its resource requests and its place in the " +
		"mesh, and a CronJob under Forbid may be waiting on it. The pod is reported once the deadline is further " +
		"behind than its terminationGracePeriodSeconds (30s by default) and a minute for the Job controller to act, " +
		"or, once the pod is being deleted, a minute after its deletionTimestamp (the time the deletion was asked " +
		"for plus the grace period it was given, when the pod is due to be gone); " +
		"a pod whose app containers have all ended is left to MB701 when it runs, which gives the same command.",
	Remediation: "Stop the proxy now (the command in the message), look at why the pod was not deleted (kubectl describe " +
		"pod: finalizers, deletionTimestamp, events), and fix the sidecar's lifecycle so that the deadline is never " +
		"what ends the Job (MB101).",
	Kinds: []string{"Pod"},
	Sources: []string{
		"kubernetes.io/docs/concepts/workloads/controllers/job (Job termination and cleanup, activeDeadlineSeconds)",
		"istio/istio pilot/cmd/pilot-agent/status/server.go (handleQuit)",
	},
	Bad: `# status as seen at 2026-06-01T12:00:00Z
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  activeDeadlineSeconds: 3600
  template:
    spec:
      restartPolicy: Never
      containers:
        - {name: etl, image: registry.example.com/etl:1.4.2}
status:
  startTime: "2026-06-01T02:00:00Z"
---
apiVersion: v1
kind: Pod
metadata:
  name: etl-7xk2p
  namespace: batch
  ownerReferences:
    - {apiVersion: batch/v1, kind: Job, name: etl, uid: 5c0c7c1e-0d6c-4a55-9b52-1f3f4f8e2a10, controller: true}
spec:
  restartPolicy: Never
  containers:
    - {name: etl, image: registry.example.com/etl:1.4.2}
    - {name: istio-proxy, image: docker.io/istio/proxyv2:1.28.0}
status:
  phase: Running
  containerStatuses:
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.28.0
      ready: true
      restartCount: 0
      state:
        running: {startedAt: "2026-06-01T02:00:05Z"}
`,
	Good: `# status as seen at 2026-06-01T12:00:00Z
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  activeDeadlineSeconds: 86400
  template:
    spec:
      restartPolicy: Never
      containers:
        - {name: etl, image: registry.example.com/etl:1.4.2}
status:
  startTime: "2026-06-01T02:00:00Z"
---
apiVersion: v1
kind: Pod
metadata:
  name: etl-7xk2p
  namespace: batch
  ownerReferences:
    - {apiVersion: batch/v1, kind: Job, name: etl, uid: 5c0c7c1e-0d6c-4a55-9b52-1f3f4f8e2a10, controller: true}
spec:
  restartPolicy: Never
  containers:
    - {name: etl, image: registry.example.com/etl:1.4.2}
    - {name: istio-proxy, image: docker.io/istio/proxyv2:1.28.0}
status:
  phase: Running
  containerStatuses:
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.28.0
      ready: true
      restartCount: 0
      state:
        running: {startedAt: "2026-06-01T02:00:05Z"}
`,
	Check: checkJobPastDeadlineProxyRunning,
}

// deletionMargin is how long, beyond a pod's grace period, MB707 lets the
// Job controller take to act on a passed deadline.
const deletionMargin = time.Minute

// deletionAllowance is how long after the deadline a pod may still run
// while it is deleted as it should be: its terminationGracePeriodSeconds
// (30s when unset) and deletionMargin.
func deletionAllowance(pod *corev1.Pod) time.Duration {
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = *g
	}
	return time.Duration(grace)*time.Second + deletionMargin
}

func checkJobPastDeadlineProxyRunning(p *rules.Pass) {
	now := p.Now()
	for _, w := range p.Index.Workloads {
		pod, name, proxy, ok := jobPodProxyRunning(w)
		if !ok {
			continue
		}
		job, ok := p.Index.Batch(w.Namespace, name)
		if !ok || job.Object().Kind != "Job" {
			continue // the Job is not in the input: its deadline is unknown
		}
		start, ok1 := job.JobStarted()
		deadline, ok2 := job.JobDeadline()
		if !ok1 || !ok2 {
			continue
		}
		end := start.Add(deadline)
		if dt := pod.DeletionTimestamp; dt != nil {
			// The deletion's own deadline: the request time plus the
			// grace period it was given, which may differ from the spec's.
			if !now.After(end) || now.Sub(dt.Time) <= deletionMargin {
				continue
			}
		} else if now.Sub(end) <= deletionAllowance(pod) {
			// The Job controller deletes the pods at the deadline and the
			// kubelet gives each its grace period before it kills them.
			continue
		}
		if _, _, _, stuck := appsEndedProxyRuns(pod, now); stuck && p.RuleRuns(PodSidecarOutlivesApp.ID) {
			continue // MB701 reports the pod, with the same command
		}
		deleting := ""
		if pod.DeletionTimestamp != nil {
			deleting = ", and it is being deleted but was due to be gone by " + stamp(pod.DeletionTimestamp.Time)
		}
		p.Reportf(w.Object, proxy.Path+".state.running",
			"%s still runs istio-proxy %s after %s reached its activeDeadlineSeconds (%s from %s, so at %s)%s: "+
				"the deadline that should have ended the pod did not; stop the proxy now with %s, and find why the pod "+
				"was not deleted", w.Object.Ref(), span(now.Sub(end)), job.Object().Ref(), fmtDuration(deadline), stamp(start),
			stamp(end), deleting, quitNow(pod))
	}
}

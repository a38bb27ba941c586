package checks

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// PodSidecarOutlivesApp finds the Job pods MB101 predicts, stuck now.
var PodSidecarOutlivesApp = &rules.Rule{
	ID:       "MB701",
	Slug:     "pod-sidecar-outlives-app",
	Severity: rules.Error,
	Summary:  "A Job's pod is stuck: its app containers have all terminated, but the classic istio-proxy sidecar still runs",
	Rationale: "A pod completes only when all its ordinary containers have terminated. A classic istio-proxy sidecar " +
		"(an ordinary container, not a native init-container sidecar) does not notice that the app ended, so the pod " +
		"stays Running, the Job never reaches its completions, the pod holds its resource requests, and a CronJob under " +
		"Forbid skips every later run (MB104). This is what MB101 predicts from a manifest, observed in the pod's status: " +
		"every app container reports a terminated state, for a minute or more, while istio-proxy reports running. " +
		"It lasts until someone stops the proxy, the Job's activeDeadlineSeconds ends it as Failed, or the pod is deleted.",
	Remediation: "Free the stuck pod now by asking the sidecar to quit (the command in the message: a POST to " +
		"pilot-agent's /quitquitquit on its status port, 15020 unless status.sidecar.istio.io/port, proxy.istio.io/config " +
		"or the mesh's defaultConfig (in istio-proxy's PROXY_CONFIG) moves it); then fix the Job as MB101 says, with sidecar.istio.io/nativeSidecar: " +
		"\"true\" (Istio >= 1.24, Kubernetes >= 1.29) or a POST to http://127.0.0.1:<status port>/quitquitquit when the app ends; " +
		"with status.sidecar.istio.io/port: \"0\" there is no quit endpoint to call, and the native sidecar is the fix.",
	Kinds: []string{"Pod"},
	Sources: []string{
		"kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle (pod phase: Running while any container runs)",
		"kubernetes.io/docs/concepts/workloads/pods/sidecar-containers",
		"istio/istio pilot/cmd/pilot-agent/status/server.go (handleQuit: POST /quitquitquit from localhost)",
		"istio/istio pilot/cmd/pilot-agent/app/request.go (pilot-agent request, --debug-port)",
		"istio/istio pilot/cmd/pilot-agent/config/config.go (PROXY_CONFIG, then proxy.istio.io/config, then status.sidecar.istio.io/port)",
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml (PROXY_CONFIG: protoToJSON .ProxyConfig)",
		"istio/istio#11659",
	},
	Bad: `apiVersion: v1
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
    - name: etl
      ready: false
      restartCount: 0
      image: registry.example.com/etl:1.4.2
      state:
        terminated: {exitCode: 0, reason: Completed, startedAt: "2026-06-01T02:00:04Z", finishedAt: "2026-06-01T02:41:10Z"}
    - name: istio-proxy
      ready: true
      restartCount: 0
      image: docker.io/istio/proxyv2:1.28.0
      state:
        running: {startedAt: "2026-06-01T02:00:05Z"}
`,
	Good: `apiVersion: v1
kind: Pod
metadata:
  name: etl-7xk2p
  namespace: batch
  ownerReferences:
    - {apiVersion: batch/v1, kind: Job, name: etl, uid: 5c0c7c1e-0d6c-4a55-9b52-1f3f4f8e2a10, controller: true}
spec:
  restartPolicy: Never
  initContainers:
    - {name: istio-proxy, image: docker.io/istio/proxyv2:1.28.0, restartPolicy: Always}
  containers:
    - {name: etl, image: registry.example.com/etl:1.4.2}
status:
  phase: Succeeded
  initContainerStatuses:
    - name: istio-proxy
      ready: false
      restartCount: 0
      image: docker.io/istio/proxyv2:1.28.0
      state:
        terminated: {exitCode: 0, reason: Completed, startedAt: "2026-06-01T02:00:02Z", finishedAt: "2026-06-01T02:41:11Z"}
  containerStatuses:
    - name: etl
      ready: false
      restartCount: 0
      image: registry.example.com/etl:1.4.2
      state:
        terminated: {exitCode: 0, reason: Completed, startedAt: "2026-06-01T02:00:04Z", finishedAt: "2026-06-01T02:41:10Z"}
`,
	Check: checkPodSidecarOutlivesApp,
}

// stopGrace is how long after the app ends MB701 waits: a proxy asked to
// quit, or draining (terminationDrainDuration, 5s by default), has
// stopped by then.
const stopGrace = time.Minute

func checkPodSidecarOutlivesApp(p *rules.Pass) {
	for _, w := range p.Index.Workloads {
		pod, job, proxy, ok := jobPodProxyRunning(w)
		if !ok || pod.DeletionTimestamp != nil {
			continue // a pod being deleted stops its proxy itself
		}
		last, lastName, exits, stuck := appsEndedProxyRuns(pod, p.Now())
		if !stuck {
			continue // still working, or the proxy may be stopping as asked
		}
		since := "at an unrecorded time"
		if !last.IsZero() {
			since = fmt.Sprintf("since %s (%s, when %s ended)", stamp(last), ago(p.Now(), last), lastName)
		}
		p.Reportf(w.Object, proxy.Path+".state.running",
			"%s of Job %s/%s is stuck: its app containers have all terminated (%s) %s, but the classic istio-proxy "+
				"sidecar still runs, so the pod never completes and the Job never finishes; free it now with %s, "+
				"and %s",
			w.Object.Ref(), w.Namespace, job, strings.Join(exits, ", "), since, quitNow(pod), lastingFix(pod))
	}
}

// lastingFix is how to fix the Job itself, for MB701's message: the app
// calls /quitquitquit on the pod's status port when it ends, unless the
// port is 0 and nothing serves it.
func lastingFix(pod *corev1.Pod) string {
	status := livePodStatusServer(pod)
	if status.Port == 0 {
		return fmt.Sprintf("fix the Job for good with sidecar.istio.io/nativeSidecar: \"true\" (%s, so the app has no "+
			"quit endpoint to call when it ends) (MB101)", status.Describe())
	}
	return fmt.Sprintf("fix the Job for good with sidecar.istio.io/nativeSidecar: \"true\" or a POST to "+
		"http://127.0.0.1:%d/quitquitquit when the app ends (MB101)", status.Port)
}

// appsEndedProxyRuns reports whether a pod whose classic proxy runs (see
// jobPodProxyRunning) is stuck as MB701 says: not being deleted, every app
// container terminated, the last of them stopGrace or more before now. It
// returns when the last one ended and its name, and every app's exit.
func appsEndedProxyRuns(pod *corev1.Pod, now time.Time) (last time.Time, lastName string, exits []string, stuck bool) {
	apps := appStatuses(pod)
	if pod.DeletionTimestamp != nil || len(apps) == 0 {
		return time.Time{}, "", nil, false
	}
	for _, a := range apps {
		t := a.State.Terminated
		if t == nil {
			return time.Time{}, "", nil, false
		}
		if lastName == "" || t.FinishedAt.After(last) {
			last, lastName = t.FinishedAt.Time, a.Name
		}
		exits = append(exits, fmt.Sprintf("%s exited %d", a.Name, t.ExitCode))
	}
	if !last.IsZero() && now.Sub(last) < stopGrace {
		return time.Time{}, "", nil, false
	}
	return last, lastName, exits, true
}

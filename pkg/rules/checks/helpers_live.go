package checks

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// The live rules (MB7xx) judge what objects carry in status: a cluster's
// objects, or a `kubectl get -o yaml` dump of them. A manifest has no
// status, so they stay silent on it.

// livePod returns the workload's Pod when it has run: the API server
// admitted it and the kubelet or scheduler wrote its status. nil for a
// Pod manifest and for other kinds.
func livePod(w *rules.Workload) *corev1.Pod {
	pod, ok := w.Object.Typed.(*corev1.Pod)
	if !ok || (pod.Status.Phase == "" && pod.Status.StartTime == nil) {
		return nil
	}
	return pod
}

// podFinished reports whether the pod has ended for good: phase
// Succeeded or Failed, so no container of it runs again.
func podFinished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// livePods yields the workloads that are live pods, with the pod (see
// livePod), in index order.
func livePods(ix *rules.Index) iter.Seq2[*rules.Workload, *corev1.Pod] {
	return func(yield func(*rules.Workload, *corev1.Pod) bool) {
		for _, w := range ix.Workloads {
			if pod := livePod(w); pod != nil && !yield(w, pod) {
				return
			}
		}
	}
}

// containerStatus is one container's status and its field path.
type containerStatus struct {
	*corev1.ContainerStatus
	Path string
	Init bool // in status.initContainerStatuses
}

// proxyStatus returns istio-proxy's status: an ordinary container (a
// classic sidecar) or an init container (a native sidecar).
func proxyStatus(pod *corev1.Pod) (containerStatus, bool) {
	for _, s := range containerStatuses(pod) {
		if s.Name == "istio-proxy" {
			return s, true
		}
	}
	return containerStatus{}, false
}

// jobPodProxyRunning returns a live pod of a Job whose istio-proxy is a
// classic sidecar (an ordinary container) that is running now, with the
// Job's name and the proxy's status. A native sidecar stops by itself
// once the app containers end, so it is never returned.
func jobPodProxyRunning(w *rules.Workload) (pod *corev1.Pod, job string, proxy containerStatus, ok bool) {
	pod = livePod(w)
	if pod == nil {
		return nil, "", containerStatus{}, false
	}
	if job, ok = jobOf(pod); !ok {
		return nil, "", containerStatus{}, false
	}
	if proxy, ok = proxyStatus(pod); !ok || proxy.Init || proxy.State.Running == nil {
		return nil, "", containerStatus{}, false
	}
	return pod, job, proxy, true
}

// containerStatuses lists every container status of the pod, init
// containers first, with field paths.
func containerStatuses(pod *corev1.Pod) []containerStatus {
	var out []containerStatus
	for i := range pod.Status.InitContainerStatuses {
		out = append(out, containerStatus{&pod.Status.InitContainerStatuses[i], fmt.Sprintf("status.initContainerStatuses[%d]", i), true})
	}
	for i := range pod.Status.ContainerStatuses {
		out = append(out, containerStatus{&pod.Status.ContainerStatuses[i], fmt.Sprintf("status.containerStatuses[%d]", i), false})
	}
	return out
}

// appStatuses lists the statuses of the app containers (not Istio's, not
// init containers), in status order.
func appStatuses(pod *corev1.Pod) []containerStatus {
	var out []containerStatus
	for _, s := range containerStatuses(pod) {
		if !s.Init && s.Name != "istio-proxy" {
			out = append(out, s)
		}
	}
	return out
}

// jobOf returns the name of the Job that owns the pod: its controller
// owner reference, else the label the Job controller sets.
func jobOf(pod *corev1.Pod) (string, bool) {
	for _, ref := range pod.OwnerReferences {
		if ref.Kind == "Job" && strings.HasPrefix(ref.APIVersion, "batch/") {
			return ref.Name, true
		}
	}
	for _, l := range []string{"batch.kubernetes.io/job-name", "job-name"} {
		if name := pod.Labels[l]; name != "" {
			return name, true
		}
	}
	return "", false
}

// stamp writes a timestamp for messages: RFC 3339 in UTC, as kubectl
// shows status times.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// stampAgo writes a past moment for messages with its distance from
// now: "2026-06-01T02:41:10Z (3h10m ago)".
func stampAgo(now, t time.Time) string { return stamp(t) + " (" + ago(now, t) + ")" }

// ago says how long before now t was, rounded for a reader ("3h10m").
func ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "in the future of this run's clock"
	}
	return span(d) + " ago"
}

// span writes a duration as a reader counts it: "3d4h", "2h5m", "40m",
// "12s".
func span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		d = d.Round(time.Hour)
		if h := d % (24 * time.Hour); h != 0 {
			return fmt.Sprintf("%dd%dh", d/(24*time.Hour), h/time.Hour)
		}
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour:
		d = d.Round(time.Minute)
		if m := d % time.Hour; m != 0 {
			return fmt.Sprintf("%dh%dm", d/time.Hour, m/time.Minute)
		}
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d.Round(time.Minute)/time.Minute)
	}
	return fmt.Sprintf("%ds", d.Round(time.Second)/time.Second)
}

// quitNow is how to stop a stuck classic istio-proxy now, for a message:
// a command in backquotes, with a note where it needs one. pilot-agent's
// /quitquitquit (POST, from localhost) stops Envoy and the agent with exit
// code 0; it is served on the status port, 15020 unless the pod moves it
// (see mesh.StatusServerOf; 0: no status server). `pilot-agent
// request` reaches only ports 15000, 15004, 15020 and 15021
// (pilot/cmd/pilot-agent/app/request.go); for another port, curl in the
// proxy container does, in the default proxyv2 image (Ubuntu, with curl)
// but not the distroless one, which has neither curl nor a shell.
func quitNow(pod *corev1.Pod) string {
	ns := cmp.Or(pod.Namespace, "default")
	status := livePodStatusServer(pod)
	port := status.Port
	switch {
	case port == 0:
		return fmt.Sprintf("`kubectl delete pod -n %s %s` (%s; "+
			"the Job may count the deleted pod as failed)", ns, pod.Name, status.Describe())
	case slices.Contains(pilotAgentRequestPorts, port):
		return fmt.Sprintf("`kubectl exec -n %s %s -c istio-proxy -- pilot-agent request POST quitquitquit --debug-port %d`",
			ns, pod.Name, port)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/quitquitquit", port)
	return fmt.Sprintf("`kubectl exec -n %s %s -c istio-proxy -- curl -sf -XPOST %s` (the status port is %d, from its "+
		"%s, which pilot-agent request cannot reach; the distroless proxy image has no curl: there run "+
		"`kubectl debug -n %s %s --image=curlimages/curl -- curl -sf -XPOST %s`, which shares the pod's network)",
		ns, pod.Name, url, port, status.From, ns, pod.Name, url)
}

// pilotAgentRequestPorts are the ports `pilot-agent request --debug-port`
// accepts (allowedPorts in pilot/cmd/pilot-agent/app/request.go, 1.28).
var pilotAgentRequestPorts = []int{15000, 15004, 15020, 15021}

// livePodStatusServer is where pilot-agent serves its status server in a
// live pod: the injector left the merged ProxyConfig, mesh-wide
// defaultConfig.statusPort included, in istio-proxy's PROXY_CONFIG (see
// mesh.InjectedPodStatusServer).
func livePodStatusServer(pod *corev1.Pod) mesh.StatusServer {
	env := ""
	for _, c := range slices.Concat(pod.Spec.InitContainers, pod.Spec.Containers) { // native or classic
		if c.Name != "istio-proxy" {
			continue
		}
		for _, e := range c.Env {
			if e.Name == "PROXY_CONFIG" {
				env = e.Value
			}
		}
	}
	return mesh.InjectedPodStatusServer(pod.Annotations, env)
}

package checks

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// ProxyOOMKilled reads the proxy's last termination.
var ProxyOOMKilled = &rules.Rule{
	ID:       "MB702",
	Slug:     "proxy-oomkilled",
	Severity: rules.Error,
	Summary:  "istio-proxy was killed for exceeding its memory limit (OOMKilled)",
	Rationale: "When Envoy's memory passes the istio-proxy container's limit, the kernel kills it and the status says " +
		"OOMKilled (exit code 137). Every connection of the pod drops at that moment: a Job's app sees its database or " +
		"API calls fail mid-run, and its outbound traffic is refused while the proxy is down (iptables still redirects " +
		"it to the dead port). What follows depends on the sidecar. A classic sidecar is an ordinary container, " +
		"restarted by the kubelet only when the pod's restartPolicy is OnFailure or Always: under restartPolicy Never " +
		"(most Jobs) the proxy stays dead, the app's outbound calls fail until it gives up, and the pod ends Failed " +
		"even when the app itself exits 0, so the Job counts a failure against its backoffLimit. A native sidecar (an " +
		"init container with restartPolicy Always) is restarted whatever the pod's policy. A restarted proxy needs the " +
		"same memory again and is killed again: a limit too small for the configuration istiod pushes (every Service " +
		"in the mesh unless a Sidecar resource narrows it, MB304) kills it on every run. The limit in force is the one " +
		"on the pod's istio-proxy container: the injector takes it from the pod's sidecar.istio.io/proxyMemoryLimit " +
		"annotation or, without it, from the install's injector values (global.proxy.resources; Istio's chart: " +
		"1024Mi); a LimitRange or an istio-proxy container in the pod template can set it too. On a pod that has " +
		"finished (Succeeded or Failed) the harm is past and the finding is a warning: the next run meets the same limit.",
	Remediation: "Raise the proxy's memory: sidecar.istio.io/proxyMemoryLimit (and proxyMemory) on the pod template, " +
		"sized from the proxy's observed peak, and narrow what istiod pushes to it with a Sidecar resource (MB304).",
	Kinds: []string{"Pod"},
	Sources: []string{
		"kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle (container states, lastState)",
		"kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource (exceed a container's memory limit)",
		"kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#restart-policy (Never: no container is restarted; " +
			"sidecar-containers: an init container with restartPolicy Always is)",
		"istio/api annotation/annotations.yaml (sidecar.istio.io/proxyMemoryLimit)",
		"istio/istio manifests/charts/istio-control/istio-discovery/values.yaml (global.proxy.resources)",
	},
	Bad: `apiVersion: v1
kind: Pod
metadata:
  name: etl-7xk2p
  namespace: batch
  annotations: {sidecar.istio.io/proxyMemoryLimit: "128Mi"}
spec:
  restartPolicy: OnFailure
  containers:
    - {name: etl, image: registry.example.com/etl:1.4.2}
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.28.0
      resources:
        limits: {memory: 128Mi}
status:
  phase: Running
  containerStatuses:
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.28.0
      ready: true
      restartCount: 1
      state:
        running: {startedAt: "2026-06-01T02:14:40Z"}
      lastState:
        terminated: {exitCode: 137, reason: OOMKilled, startedAt: "2026-06-01T02:00:05Z", finishedAt: "2026-06-01T02:14:38Z"}
`,
	Good: `apiVersion: v1
kind: Pod
metadata:
  name: etl-7xk2p
  namespace: batch
  annotations: {sidecar.istio.io/proxyMemoryLimit: "512Mi"}
spec:
  restartPolicy: Never
  containers:
    - {name: etl, image: registry.example.com/etl:1.4.2}
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.28.0
      resources:
        limits: {memory: 512Mi}
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
	Check: checkProxyOOMKilled,
}

func checkProxyOOMKilled(p *rules.Pass) {
	for w, pod := range livePods(p.Index) {
		proxy, ok := proxyStatus(pod)
		if !ok {
			continue
		}
		var t *corev1.ContainerStateTerminated
		path, when := "", ""
		switch {
		case proxy.State.Terminated != nil && proxy.State.Terminated.Reason == "OOMKilled":
			t, path, when = proxy.State.Terminated, proxy.Path+".state.terminated.reason", "was killed"
		case proxy.LastTerminationState.Terminated != nil && proxy.LastTerminationState.Terminated.Reason == "OOMKilled":
			t, path, when = proxy.LastTerminationState.Terminated, proxy.Path+".lastState.terminated.reason",
				fmt.Sprintf("was last killed, then restarted (restart count %d)", proxy.RestartCount)
		default:
			continue
		}
		at := ""
		if !t.FinishedAt.IsZero() {
			at = " at " + stampAgo(p.Now(), t.FinishedAt.Time)
		}
		kind, after := "classic sidecar", ""
		switch {
		case proxy.Init:
			kind = "native sidecar"
		case pod.Spec.RestartPolicy == corev1.RestartPolicyNever && proxy.State.Terminated != nil:
			// Only a native sidecar is restarted under Never.
			after = "; under restartPolicy Never the kubelet does not restart it, so the pod's outbound calls fail " +
				"from then on and the pod ends Failed even if the app exits 0, which the Job counts against its backoffLimit"
		}
		sev, past := p.Rule.Severity, ""
		if podFinished(pod) {
			sev, past = rules.Warning, fmt.Sprintf(" (the pod has ended %s: the harm is done, the next run meets the same limit)", pod.Status.Phase)
		}
		p.ReportSeverityf(sev, w.Object, path, "%s: its istio-proxy (%s) %s for running out of memory (OOMKilled)%s, dropping every "+
			"connection of the pod%s%s; %s", w.Object.Ref(), kind, when, at, after, past, memoryLimitInForce(pod))
	}
}

// memoryLimitInForce says which memory limit istio-proxy runs with and
// where the injector took it from.
func memoryLimitInForce(pod *corev1.Pod) string {
	var limit string
	var limitQ resource.Quantity
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			if cs[i].Name == "istio-proxy" {
				if q, ok := cs[i].Resources.Limits[corev1.ResourceMemory]; ok {
					limit, limitQ = q.String(), q
				}
			}
		}
	}
	annot, annotSet := pod.Annotations[mesh.AnnotProxyMemLimit]
	others := false
	for _, k := range mesh.ProxyResourceAnnotations {
		if _, ok := pod.Annotations[k]; ok {
			others = true
		}
	}
	switch {
	case limit == "":
		return "the container has no memory limit, so the pod's or the node's memory ran out (set sidecar.istio.io/proxyMemory and proxyMemoryLimit to size it)"
	case annotSet:
		return fmt.Sprintf("the limit in force is %s, from the pod's %s annotation (%q): raise it", limit, mesh.AnnotProxyMemLimit, annot)
	case others:
		// Any of the four annotations drops all the injector's defaults.
		return fmt.Sprintf("the limit in force is %s, which no annotation sets and which is not the injector's default (the "+
			"pod's other sidecar.istio.io/proxy* annotations drop it): an istio-proxy container in the pod template or the "+
			"namespace's LimitRange set it; set %s to raise it", limit, mesh.AnnotProxyMemLimit)
	}
	if q := resource.MustParse(chartProxyMemoryLimit); limitQ.Cmp(q) == 0 {
		return fmt.Sprintf("the limit in force is %s, which the pod does not set (no %s annotation): most likely the "+
			"injector's default (global.proxy.resources.limits.memory; Istio's chart: %s); set the annotation to raise it",
			limit, mesh.AnnotProxyMemLimit, chartProxyMemoryLimit)
	}
	return fmt.Sprintf("the limit in force is %s, which the pod does not set (no %s annotation) and which is not Istio's "+
		"chart default (%s): it comes from the install's injector values (global.proxy.resources.limits.memory), a "+
		"LimitRange, or an istio-proxy container in the pod template; set the annotation to raise it",
		limit, mesh.AnnotProxyMemLimit, chartProxyMemoryLimit)
}

// chartProxyMemoryLimit is global.proxy.resources.limits.memory in Istio's
// istio-discovery chart (manifests/charts/istio-control/istio-discovery/values.yaml).
const chartProxyMemoryLimit = "1024Mi"

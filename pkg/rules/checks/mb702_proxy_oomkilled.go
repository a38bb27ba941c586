package checks

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

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
		"OOMKilled. Every connection of the pod drops at that moment: a Job's app sees its database or API calls fail " +
		"mid-run, and its outbound traffic is refused until the proxy is back (iptables still redirects it to the dead " +
		"port). The kubelet restarts the proxy, which needs the same memory again and is killed again: a limit too " +
		"small for the configuration istiod pushes (every Service in the mesh unless a Sidecar resource narrows it, " +
		"MB304) kills it on every run. The limit in force is the one on the pod's istio-proxy container, which the " +
		"injector took from the pod's sidecar.istio.io/proxyMemoryLimit annotation or, without it, from its default " +
		"(global.proxy.resources in the injector's values; Istio's chart: 1Gi).",
	Remediation: "Raise the proxy's memory: sidecar.istio.io/proxyMemoryLimit (and proxyMemory) on the pod template, " +
		"sized from the proxy's observed peak, and narrow what istiod pushes to it with a Sidecar resource (MB304).",
	Kinds: []string{"Pod"},
	Sources: []string{
		"kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle (container states, lastState)",
		"kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource (exceed a container's memory limit)",
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
  restartPolicy: Never
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
		kind := "classic sidecar"
		if proxy.Init {
			kind = "native sidecar"
		}
		p.Reportf(w.Object, path, "%s: its istio-proxy (%s) %s for running out of memory (OOMKilled)%s, dropping every "+
			"connection of the pod; %s", w.Object.Ref(), kind, when, at, memoryLimitInForce(pod))
	}
}

// memoryLimitInForce says which memory limit istio-proxy runs with and
// where the injector took it from.
func memoryLimitInForce(pod *corev1.Pod) string {
	var limit string
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			if cs[i].Name == "istio-proxy" {
				if q, ok := cs[i].Resources.Limits[corev1.ResourceMemory]; ok {
					limit = q.String()
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
	return fmt.Sprintf("the limit in force is %s, which the pod does not set (no %s annotation): the injector's default "+
		"(global.proxy.resources.limits.memory; Istio's chart: 1024Mi), unless an istio-proxy container in the pod template "+
		"or a LimitRange set it; set the annotation to raise it", limit, mesh.AnnotProxyMemLimit)
}

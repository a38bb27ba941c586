package checks

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// JobSidecarNeverExits is the original batch-in-Istio problem: a classic
// sidecar is an ordinary container, and a pod completes only when all its
// containers have exited.
var JobSidecarNeverExits = &rules.Rule{
	ID:       "MB101",
	Slug:     "job-sidecar-never-exits",
	Severity: rules.Error,
	Summary:  "Injected Job keeps its istio-proxy sidecar running after the app exits",
	Rationale: "A classic istio-proxy sidecar is an ordinary container: when the app container of a Job exits, " +
		"the proxy keeps running, the pod stays Running/NotReady, the Job never completes, and a CronJob with " +
		"concurrencyPolicy: Forbid stops scheduling. Nothing sends the proxy SIGTERM, so " +
		"EXIT_ON_ZERO_ACTIVE_CONNECTIONS does not help. Kubernetes native sidecars (an init container with " +
		"restartPolicy: Always) end with the pod: Istio injects them with sidecar.istio.io/nativeSidecar: \"true\" " +
		"(Istio 1.24+, Kubernetes 1.29+), with ENABLE_NATIVE_SIDECARS=true, or by default from Istio 1.27 when " +
		"every node runs Kubernetes 1.33+. Otherwise the app must stop the proxy itself with a POST to " +
		"127.0.0.1:15020/quitquitquit; a call to another sidecar's quit endpoint (cloud-sql-proxy's admin port) does " +
		"not count, nor does one in an exec-form command line that no shell runs (MB108). A template that already " +
		"contains istio-proxy (istioctl kube-inject output) is judged by where the " +
		"proxy sits: in containers it is classic, as an init container with restartPolicy: Always it is native. " +
		"The verdict depends on cluster facts: pass --istio-version, " +
		"--kubernetes-version and --native-sidecars for an exact answer; without them the rule says what it " +
		"assumed and reports a warning.",
	Remediation: "Annotate the pod template with sidecar.istio.io/nativeSidecar: \"true\" (Istio 1.24+ on Kubernetes 1.29+); " +
		"on older clusters make the app's command end with `curl -fsS -X POST http://127.0.0.1:15020/quitquitquit` " +
		"whether the app succeeds or fails, or run the Job in ambient mode.",
	Kinds: []string{"Job", "CronJob", "Namespace"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio#6324, #11659, #11045",
		"kubernetes.io/docs/concepts/workloads/pods/sidecar-containers",
		"istio/istio pkg/kube/inject/webhook.go DetectNativeSidecar",
		"istio/istio pilot/cmd/pilot-agent/status/server.go (quitquitquit)",
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
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations: {sidecar.istio.io/nativeSidecar: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkJobSidecarNeverExits,
}

func checkJobSidecarNeverExits(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		v := neverExits(m)
		if v == mesh.No {
			continue
		}
		path := m.FirstAppPath()
		noQuit := "no container calls /quitquitquit"
		if len(m.Unrun) > 0 {
			q := m.Unrun[0]
			noQuit = fmt.Sprintf("the call to /quitquitquit at %s never runs: container %s holds it in an exec-form command line, "+
				"which no shell runs (MB108)", q.Path, q.Container.Container.Name)
			if len(q.Container.Container.Command) == 0 {
				noQuit = fmt.Sprintf("the call to /quitquitquit at %s runs only if the image of container %s has a shell run with -c "+
					"as its ENTRYPOINT: Kubernetes runs no shell for it (MB108)", q.Path, q.Container.Container.Name)
			}
		}
		if v == mesh.Yes {
			p.Reportf(w.Object, path,
				"%s keeps its istio-proxy sidecar running after the app exits, so the pod never completes: "+
					"it is injected (%s) as a classic sidecar (%s) and %s",
				w.Object.Ref(), m.Inj.Reason, m.NativeWhy, noQuit)
			continue
		}
		p.ReportSeverityf(rules.Warning, w.Object, path,
			"%s may keep its istio-proxy sidecar running after the app exits (%s); %s",
			w.Object.Ref(), strings.Join(m.Assumptions(), "; "), noQuit)
	}
}

// neverExits is MB101's verdict, shared with the rules about its
// consequences: Yes when the pod certainly keeps a classic proxy that
// nothing stops, Unknown when that rests on missing facts.
func neverExits(m rules.PodMesh) mesh.Tri {
	if m.Classic() == mesh.No || m.Stops() {
		return mesh.No
	}
	return m.Classic()
}

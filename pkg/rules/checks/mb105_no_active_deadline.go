package checks

import (
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// NoActiveDeadline asks for the backstop that ends a stuck batch pod.
var NoActiveDeadline = &rules.Rule{
	ID:       "MB105",
	Slug:     "no-active-deadline",
	Severity: rules.Warning,
	Summary:  "Injected Job has no activeDeadlineSeconds to end a pod whose sidecar does not stop",
	Rationale: "A Job whose pod has a classic istio-proxy sidecar depends on the app stopping the proxy: when the app " +
		"container is OOM-killed or crashes before its quit call runs, when the image has no curl, or when the call " +
		"fails, the pod stays Running forever and so does the Job. activeDeadlineSeconds is the backstop: Kubernetes " +
		"marks the Job Failed (DeadlineExceeded) and deletes its pods. Native sidecars end with the app, but a pod can " +
		"still hang on them (a native sidecar that never became ready kept the pod alive, kubernetes#125880) or wait up " +
		"to ten minutes for the proxy's startupProbe, so a deadline is still worth having; that case is reported as info. " +
		"ttlSecondsAfterFinished only removes finished Jobs and does not end a stuck one, so this rule does not ask for it.",
	Remediation: "Set spec.activeDeadlineSeconds (the jobTemplate's for a CronJob) to a generous upper bound of the run time, for example twice the longest run seen.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"kubernetes.io/docs/concepts/workloads/controllers/job (job termination and cleanup)",
		"istio/istio#51883, kubernetes/kubernetes#125880",
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
          args: ["/app/etl; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc"]
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  activeDeadlineSeconds: 7200
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
	Check: checkNoActiveDeadline,
}

func checkNoActiveDeadline(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		if w.Job.ActiveDeadlineSeconds != nil {
			continue
		}
		m := rules.MeshOf(p, w)
		if !m.Relevant() {
			continue
		}
		path := w.JobPath + ".activeDeadlineSeconds"
		if m.Classic() == mesh.No {
			p.ReportSeverityf(rules.Info, w.Object, path,
				"%s sets no activeDeadlineSeconds: its native sidecar ends with the app, but nothing bounds a pod "+
					"that hangs anyway (a proxy that never becomes ready, an app that never returns)", w.Object.Ref())
			continue
		}
		how := "its classic istio-proxy sidecar is not stopped by anything"
		if m.Stops() {
			how = "the app stops its classic istio-proxy sidecar itself, which does not happen when the app is OOM-killed or the quit call fails"
		}
		// Not lowered when classic is only assumed: a deadline costs one
		// line, a Job without one may stay active forever.
		p.Reportf(w.Object, path,
			"%s sets no activeDeadlineSeconds, and %s: a pod that hangs keeps the Job active forever%s",
			w.Object.Ref(), how, assumed(m.Assumptions()))
	}
}

package checks

import (
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// QuitquitquitWrong catches quit calls that never stop the proxy.
var QuitquitquitWrong = &rules.Rule{
	ID:       "MB102",
	Slug:     "quitquitquit-wrong",
	Severity: rules.Warning,
	Summary:  "The app's call to /quitquitquit cannot stop the istio-proxy sidecar",
	Rationale: "A Job with a classic sidecar completes only when the app stops the proxy itself by calling " +
		"pilot-agent's /quitquitquit on its status port, 15020 unless the pod template's status.sidecar.istio.io/port " +
		"(or the statusPort of its proxy.istio.io/config) moves it; 0 turns the status server off. A call to 15020 on a pod " +
		"that moved the port reaches nothing and fails. pilot-agent answers that endpoint only to a POST " +
		"(405 Method Not Allowed otherwise) and only from localhost (403 Forbidden otherwise). curl sends GET unless " +
		"given -X POST or a body, and wget sends GET unless given --post-data, so a bare `curl localhost:15020/quitquitquit` " +
		"returns an error that the script usually ignores, the proxy keeps running and the pod never completes. " +
		"Calling Envoy's admin port 15000 instead stops Envoy, which takes pilot-agent down with it on current Istio, " +
		"but it is not the supported endpoint and Envoy's admin API also wants a POST.",
	Remediation: "Call `curl -fsS -X POST http://127.0.0.1:15020/quitquitquit` (or `wget -qO- --post-data='' http://127.0.0.1:15020/quitquitquit`) after the app, whether it succeeded or failed " +
		"(the message names another port where the pod moves pilot-agent's status port; with the status server off, ask for a native sidecar).",
	Kinds: []string{"Job", "CronJob", "Namespace"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pilot/cmd/pilot-agent/status/server.go (handleQuit: localhost only, POST only)",
		"istio/istio pilot/cmd/pilot-agent/config/config.go applyAnnotations and app/cmd.go (status.sidecar.istio.io/port over " +
			"the ProxyConfig's statusPort, read with strconv.Atoi; no status server for port 0), 1.22.0 to 1.30.0",
		"istio/istio#15041 (pilot-agent /quitquitquit, Istio 1.3)",
		"istio/istio#11659 (Envoy :15000/quitquitquit left pilot-agent running on Istio 1.0/1.1)",
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
          args: ["/app/etl; rc=$?; curl -s http://localhost:15020/quitquitquit; exit $rc"]
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
	Check: checkQuitquitquitWrong,
}

func checkQuitquitquitWrong(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if m.Sidecar() == mesh.No {
			continue
		}
		for _, q := range m.Quits {
			target, url := "pilot-agent", quitURL(q)
			if q.Port == 15000 {
				target = "Envoy's admin API"
			}
			switch {
			case q.Post == mesh.No:
				p.Reportf(w.Object, q.Path,
					"%s: container %s calls %s with %s's default GET; %s accepts /quitquitquit only as a POST "+
						"(405 Method Not Allowed), so the proxy keeps running and the pod never completes",
					w.Object.Ref(), q.Container.Container.Name, url, q.Tool, target)
			case q.Loopback() == mesh.No && q.Port == 15000:
				p.Reportf(w.Object, q.Path,
					"%s: container %s calls %s, but Envoy's admin API listens on 127.0.0.1 only: the call is refused "+
						"and the proxy keeps running", w.Object.Ref(), q.Container.Container.Name, url)
			case q.Loopback() == mesh.No:
				p.Reportf(w.Object, q.Path,
					"%s: container %s calls %s, but pilot-agent accepts /quitquitquit only from localhost "+
						"(403 Forbidden for any other address), so the proxy keeps running and the pod never completes",
					w.Object.Ref(), q.Container.Container.Name, url)
			case q.WrongPort():
				p.Reportf(w.Object, q.Path,
					"%s: container %s calls %s, but %s; the call fails, the proxy keeps running and the pod never completes%s",
					w.Object.Ref(), q.Container.Container.Name, url, q.Status.Describe(), wrongPortFix(q.Status))
			case q.Port == 15000 && q.Status.Port == 0:
				p.ReportSeverityf(rules.Info, w.Object, q.Path,
					"%s: container %s stops the proxy through Envoy's admin port (%s): pilot-agent follows Envoy out "+
						"on current Istio, but it is not the supported endpoint, and %s; a native sidecar needs no call",
					w.Object.Ref(), q.Container.Container.Name, url, q.Status.Describe())
			case q.Port == 15000:
				p.ReportSeverityf(rules.Info, w.Object, q.Path,
					"%s: container %s stops the proxy through Envoy's admin port (%s): pilot-agent follows Envoy out "+
						"on current Istio, but the supported endpoint is pilot-agent's POST 127.0.0.1:%d/quitquitquit",
					w.Object.Ref(), q.Container.Container.Name, url, q.Status.Port)
			}
		}
	}
}

// quitURL renders the address of a quit call without the rest of the
// command line, which may carry headers or tokens.
func quitURL(q rules.QuitSite) string {
	switch {
	case q.Host == "":
		return "/quitquitquit"
	case q.Port != 0:
		return fmt.Sprintf("%s:%d/quitquitquit", q.Host, q.Port)
	}
	return q.Host + "/quitquitquit"
}

// wrongPortFix says, for MB102's message about a call to 15020 on a pod
// whose status server is elsewhere, what to call instead.
func wrongPortFix(s mesh.StatusServer) string {
	if s.Port == 0 {
		return ": ask for a native sidecar, or give the status server a port and call it there"
	}
	return fmt.Sprintf(": call `%s`", mesh.QuitCommand(s.Port))
}

package checks

import (
	"strings"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// ExecFormShellLine catches a shell line written where Kubernetes runs a
// program: nothing in it runs, a quit call included.
var ExecFormShellLine = &rules.Rule{
	ID:       "MB108",
	Slug:     "exec-form-shell-line",
	Severity: rules.Error,
	Summary:  "A container's command holds a whole command line, which Kubernetes runs as a program name, without a shell",
	Rationale: "Kubernetes does not run a container's command through a shell: it runs the first entry of command as a " +
		"program and hands it the other entries, and args, as its arguments (without a command, the image's ENTRYPOINT " +
		"gets the args). So command: [\"/bin/main && curl -X POST http://127.0.0.1:15020/quitquitquit\"] asks the runtime " +
		"for a program of that whole name: there is none, the container fails to start, and neither the app nor the quit " +
		"call ever runs. With a classic sidecar that pod never ends: the proxy runs on while the app container has failed " +
		"to start, so the Job neither completes nor fails. A shell line as the first args entry of a container without a " +
		"command runs only if the image's ENTRYPOINT is a shell run with -c, which the manifest does not show; an image " +
		"without an ENTRYPOINT cannot start it either, and other entrypoints get it as one argument: that is reported " +
		"as a warning. meshbatch never counts a quit call in such a line as stopping the proxy (MB101).",
	Remediation: "Run the line through a shell, command: [\"/bin/sh\", \"-c\"] with args: [\"<the line>\"], or split a plain " +
		"command into one entry per word: [\"/bin/main\", \"--flag\"].",
	Kinds: []string{"Job", "CronJob"},
	Sources: []string{
		"kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container (Run a command in a shell)",
		"k8s.io/api core/v1 Container.Command (\"Entrypoint array. Not executed within a shell.\")",
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
          command: ["/bin/main; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit"]
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
          args: ["/bin/main; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc"]
`,
	Check: checkExecFormShellLine,
}

func checkExecFormShellLine(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		for _, l := range rules.ExecLines(w) {
			what := "a command line"
			if len(l.Operators) > 0 {
				what = "a shell line (" + strings.Join(l.Operators, " ") + ")"
			}
			quit := ""
			for _, q := range rules.QuitSites(w) {
				if q.NotRun && q.Container.Path == l.Container.Path {
					quit = "; its call to /quitquitquit never happens, so it stops no proxy"
					break
				}
			}
			name := l.Container.Container.Name
			if l.InArgs {
				p.ReportSeverityf(rules.Warning, w.Object, l.Path,
					"%s: container %s has no command, and its first args entry is %s starting with %q: the image's "+
						"ENTRYPOINT gets it as one argument, without a shell, so it runs only if that ENTRYPOINT is a shell "+
						"run with -c (an image without one cannot start it)%s", w.Object.Ref(), name, what, l.Program, quit)
				continue
			}
			p.Reportf(w.Object, l.Path,
				"%s: the command of container %s is %s starting with %q in one entry: Kubernetes runs that whole entry, "+
					"without a shell, as the path of a program, no file has that name, and the container cannot start%s", w.Object.Ref(), name, what, l.Program, quit)
		}
	}
}

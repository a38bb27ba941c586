package rules_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestQuitSites pins down how quit calls in command lines are read.
func TestQuitSites(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		post   mesh.Tri
		when   rules.QuitWhen
		port   int
		istio  bool
		notRun bool
	}{
		{[]string{"sh", "-c", "/app; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc"}, mesh.Yes, rules.QuitAlways, 15020, true, false},
		{[]string{"sh", "-c", "/app && curl -XPOST localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitOnSuccess, 15020, true, false},
		{[]string{"sh", "-c", "/app || curl --request=POST localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitOnFailure, 15020, true, false},
		{[]string{"bash", "-ec", "/app\ncurl -sd '' http://127.0.0.1:15020/quitquitquit"}, mesh.Yes, rules.QuitOnSuccess, 15020, true, false},
		{[]string{"sh", "-c", "set -o errexit; /app; wget -qO- http://localhost:15020/quitquitquit"}, mesh.No, rules.QuitOnSuccess, 15020, true, false},
		{[]string{"sh", "-c", "trap \"curl -X POST localhost:15000/quitquitquit\" EXIT; /app"}, mesh.Yes, rules.QuitAlways, 15000, true, false},
		{[]string{"sh", "-c", "/app; curl -X POST http://$(POD_IP):15020/quitquitquit"}, mesh.Yes, rules.QuitAlways, 15020, true, false},
		{[]string{"sh", "-c", "/app; curl -X POST http://localhost:${ISTIO_STATUS_PORT}/quitquitquit"}, mesh.Yes, rules.QuitAlways, 0, true, false},
		{[]string{"sh", "-c", "/app; curl -X POST http://localhost:9091/quitquitquit"}, mesh.Yes, rules.QuitAlways, 9091, false, false},
		{[]string{"curl", "-X", "POST", "http://localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitUnknown, 15020, true, false},
		{[]string{"sh", "-c", "if /app; then\n curl -X POST localhost:15020/quitquitquit\nfi"}, mesh.Yes, rules.QuitUnknown, 15020, true, false},
		// Quit calls that run only on success, however the script says it.
		{[]string{"sh", "-c", "/app &&\ncurl -X POST localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitOnSuccess, 15020, true, false},
		{[]string{"sh", "-c", "/app ||\ncurl -X POST localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitOnFailure, 15020, true, false},
		{[]string{"sh", "-c", "/app || exit 1\ncurl -X POST localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitOnSuccess, 15020, true, false},
		{[]string{"sh", "-c", "/app || { echo failed >&2; exit 1; }; curl -X POST localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitOnSuccess, 15020, true, false},
		{[]string{"sh", "-c", "/app || echo failed\ncurl -X POST localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitAlways, 15020, true, false},
		// A backslash-newline continues the command.
		{[]string{"sh", "-c", "/app; curl -fsS -X POST \\\n  http://127.0.0.1:15020/quitquitquit"}, mesh.Yes, rules.QuitAlways, 15020, true, false},
		// Exec form: no shell runs the line, the container cannot start.
		{[]string{"/bin/main && curl -X POST http://localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitOnSuccess, 15020, true, true},
		{[]string{"/bin/main; curl -X POST http://localhost:15020/quitquitquit", "--verbose"}, mesh.Yes, rules.QuitAlways, 15020, true, true},
	} {
		w := jobWithArgs(tc.args)
		sites := rules.QuitSites(w)
		if len(sites) != 1 {
			t.Errorf("%q: %d quit sites, want 1", tc.args, len(sites))
			continue
		}
		q := sites[0]
		if q.Post != tc.post || q.When != tc.when || q.Port != tc.port || q.Istio() != tc.istio || q.NotRun != tc.notRun {
			t.Errorf("%q: got post=%v when=%v port=%d istio=%v notRun=%v, want post=%v when=%v port=%d istio=%v notRun=%v",
				tc.args, q.Post, q.When, q.Port, q.Istio(), q.NotRun, tc.post, tc.when, tc.port, tc.istio, tc.notRun)
		}
	}
}

// TestWorkloadMessagesHideCredentials lints every workload fixture and
// checks that no message echoes the value planted next to a
// credential-like name.
func TestWorkloadMessagesHideCredentials(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("checks", "testdata", "MB[123]*", "*.yaml"))
	res, err := lint.Run(context.Background(), files, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() == 0 {
		t.Fatal("no findings at all: the fixtures were not read")
	}
	for f := range res.Findings.All() {
		if strings.Contains(f.Message, "hunter2") {
			t.Errorf("%s:%d: %s prints a credential's value: %s", f.File, f.Line, f.RuleID, f.Message)
		}
	}
}

// TestExecLines: an entry that holds a whole command line is found where
// Kubernetes runs it as a program (command[0], or args[0] without a
// command, for the image's ENTRYPOINT), and not where a shell or another
// program gets it as an argument.
func TestExecLines(t *testing.T) {
	for _, tc := range []struct {
		command, args []string
		path          string // "" for none
		inArgs        bool
		ops           string
	}{
		{[]string{"/bin/main && curl -X POST http://localhost:15020/quitquitquit"}, nil, "command[0]", false, "&&"},
		{[]string{"python main.py"}, []string{"--day", "1"}, "command[0]", false, ""},
		{[]string{"/app/run || exit 1; echo done > /tmp/x"}, nil, "command[0]", false, "|| ; >"},
		{nil, []string{"/bin/main && curl -X POST http://localhost:15020/quitquitquit"}, "args[0]", true, "&&"},
		{nil, []string{"--message", "a; b"}, "", false, ""},                                          // not the first args entry
		{nil, []string{"hello world"}, "", false, ""},                                                // words for the ENTRYPOINT, no shell line
		{[]string{"sh", "-c", "/bin/main && curl localhost:15020/quitquitquit"}, nil, "", false, ""}, // a shell runs it
		{[]string{"python", "-c", "import a; a.run()"}, nil, "", false, ""},                          // an argument of python
		{[]string{"/bin/main"}, []string{"--x && y"}, "", false, ""},                                 // an argument of the program
	} {
		job := &batchv1.Job{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "app", Command: tc.command, Args: tc.args}},
		}}}}
		lines := rules.ExecLines(rules.WorkloadOf(&manifest.Object{Kind: "Job", Name: "j", Typed: job}))
		switch {
		case tc.path == "" && len(lines) > 0:
			t.Errorf("%q %q: exec line at %s, want none", tc.command, tc.args, lines[0].Path)
		case tc.path == "":
		case len(lines) != 1:
			t.Errorf("%q %q: %d exec lines, want one at %s", tc.command, tc.args, len(lines), tc.path)
		case !strings.HasSuffix(lines[0].Path, "containers[0]."+tc.path) || lines[0].InArgs != tc.inArgs || strings.Join(lines[0].Operators, " ") != tc.ops:
			t.Errorf("%q %q: exec line %+v, want at %s, inArgs %v, operators %q", tc.command, tc.args, lines[0], tc.path, tc.inArgs, tc.ops)
		}
	}
}

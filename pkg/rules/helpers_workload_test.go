package rules_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestQuitSites pins down how quit calls in command lines are read.
func TestQuitSites(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		post  mesh.Tri
		when  rules.QuitWhen
		port  int
		istio bool
	}{
		{[]string{"sh", "-c", "/app; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc"}, mesh.Yes, rules.QuitAlways, 15020, true},
		{[]string{"sh", "-c", "/app && curl -XPOST localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitOnSuccess, 15020, true},
		{[]string{"sh", "-c", "/app || curl --request=POST localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitOnFailure, 15020, true},
		{[]string{"bash", "-ec", "/app\ncurl -sd '' http://127.0.0.1:15020/quitquitquit"}, mesh.Yes, rules.QuitOnSuccess, 15020, true},
		{[]string{"sh", "-c", "set -o errexit; /app; wget -qO- http://localhost:15020/quitquitquit"}, mesh.No, rules.QuitOnSuccess, 15020, true},
		{[]string{"sh", "-c", "trap \"curl -X POST localhost:15000/quitquitquit\" EXIT; /app"}, mesh.Yes, rules.QuitAlways, 15000, true},
		{[]string{"sh", "-c", "/app; curl -X POST http://$(POD_IP):15020/quitquitquit"}, mesh.Yes, rules.QuitAlways, 15020, true},
		{[]string{"sh", "-c", "/app; curl -X POST http://localhost:${ISTIO_STATUS_PORT}/quitquitquit"}, mesh.Yes, rules.QuitAlways, 0, true},
		{[]string{"sh", "-c", "/app; curl -X POST http://localhost:9091/quitquitquit"}, mesh.Yes, rules.QuitAlways, 9091, false},
		{[]string{"curl", "-X", "POST", "http://localhost:15020/quitquitquit"}, mesh.Yes, rules.QuitUnknown, 15020, true},
		{[]string{"sh", "-c", "if /app; then\n curl -X POST localhost:15020/quitquitquit\nfi"}, mesh.Yes, rules.QuitUnknown, 15020, true},
	} {
		w := jobWithArgs(tc.args)
		sites := rules.QuitSites(w)
		if len(sites) != 1 {
			t.Errorf("%q: %d quit sites, want 1", tc.args, len(sites))
			continue
		}
		q := sites[0]
		if q.Post != tc.post || q.When != tc.when || q.Port != tc.port || q.Istio() != tc.istio {
			t.Errorf("%q: got post=%v when=%v port=%d istio=%v, want post=%v when=%v port=%d istio=%v",
				tc.args, q.Post, q.When, q.Port, q.Istio(), tc.post, tc.when, tc.port, tc.istio)
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

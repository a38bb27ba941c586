package rules_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestRuleExamples checks the documentation examples of every rule: Bad
// must make the rule fire, Good must not, and both must be valid input. A
// "# facts:" line works as in the fixtures.
func TestRuleExamples(t *testing.T) {
	for _, r := range rules.All() {
		if r.Check == nil {
			continue // MB001: reported by the engine, see pkg/lint
		}
		t.Run(r.ID, func(t *testing.T) {
			for _, ex := range []struct {
				name, text string
				fire       bool
			}{{"Bad", r.Bad, true}, {"Good", r.Good, false}} {
				file := filepath.Join(t.TempDir(), "example.yaml")
				if err := os.WriteFile(file, []byte(ex.text), 0o600); err != nil {
					t.Fatal(err)
				}
				_, facts, partial := parseFixture(t, file, []byte(ex.text))
				res, err := lint.Run(context.Background(), []string{file}, lint.Options{Facts: facts, Partial: partial, Rules: []*rules.Rule{r}})
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, f := range res.Findings {
					if f.RuleID != r.ID {
						t.Errorf("%s example is not valid input: %s %s", ex.name, f.RuleID, f.Message)
						continue
					}
					n++
				}
				if ex.fire && n == 0 {
					t.Errorf("the Bad example does not make %s fire", r.ID)
				}
				if !ex.fire && n > 0 {
					t.Errorf("the Good example makes %s fire: %s", r.ID, messages(res))
				}
			}
		})
	}
}

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
	files, _ := filepath.Glob(filepath.Join("testdata", "MB[123]*", "*.yaml"))
	res, err := lint.Run(context.Background(), files, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) == 0 {
		t.Fatal("no findings at all: the fixtures were not read")
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "hunter2") {
			t.Errorf("%s:%d: %s prints a credential's value: %s", f.File, f.Line, f.RuleID, f.Message)
		}
	}
}

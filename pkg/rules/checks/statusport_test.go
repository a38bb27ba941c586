package checks_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestMessagesFollowStatusPort: where a pod template moves pilot-agent's
// status server, the lifecycle rules name the call on the pod's own port,
// and where it turns the server off, say that the app has nothing to call.
func TestMessagesFollowStatusPort(t *testing.T) {
	moved := "`curl -fsS -X POST http://127.0.0.1:16020/quitquitquit`"
	off := "status.sidecar.istio.io/port is 0"
	for _, tc := range []struct {
		rule *rules.Rule
		file string
		want map[string][]string // object name: substrings of its finding
	}{
		{checks.QuitquitquitWrong, "MB102/bad_status_port.yaml", map[string][]string{
			"moved-15020":       {"calls 127.0.0.1:15020/quitquitquit", "to port 16020", moved},
			"off-15020":         {off, "ask for a native sidecar"},
			"spaced-15020":      {"spaces", "reads as 0"},
			"proxyconfig-15020": {"proxy.istio.io/config statusPort", "`curl -fsS -X POST http://127.0.0.1:17020/quitquitquit`"},
			"moved-get":         {"127.0.0.1:16020/quitquitquit with curl's default GET"},
			"moved-envoy":       {"pilot-agent's POST 127.0.0.1:16020/quitquitquit"},
			"off-envoy":         {off, "a native sidecar needs no call"},
		}},
		{checks.QuitVsRestartPolicy, "MB103/bad_status_port.yaml", map[string][]string{
			"moved-and-and":          {moved},
			"proxyconfig-on-failure": {"`curl -fsS -X POST http://127.0.0.1:17020/quitquitquit`"},
		}},
		{checks.NativeSidecarUnsupported, "MB106/bad_status_port.yaml", map[string][]string{
			"moved": {"with a classic sidecar instead, the app stops it with " + moved},
			"off":   {"nor can a classic sidecar take its place", off},
		}},
		{checks.ExitOnZeroMisuse, "MB107/bad_status_port.yaml", map[string][]string{
			"moved": {moved},
			"off":   {off, "ask for a native sidecar"},
		}},
	} {
		file := filepath.Join("testdata", tc.file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		facts, partial := ruletest.Facts(t, file, data)
		res, err := lint.Run(context.Background(), []string{file}, lint.Options{Facts: facts, Partial: partial, Rules: []*rules.Rule{tc.rule}, Now: ruletest.Now})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for f := range res.Findings.All() {
			want, ok := tc.want[f.Object.Name]
			if !ok {
				t.Errorf("%s: unexpected finding on %s: %s", tc.file, f.Object.Name, f.Message)
				continue
			}
			seen[f.Object.Name] = true
			for _, s := range want {
				if !strings.Contains(f.Message, s) {
					t.Errorf("%s: %s: %s\nwant it to contain %q", tc.file, f.Object.Name, f.Message, s)
				}
			}
		}
		for name := range tc.want {
			if !seen[name] {
				t.Errorf("%s: no finding on %s:\n%s", tc.file, name, ruletest.Messages(res))
			}
		}
	}
}

// TestRemediationsCallTheMovedPort: a remediation that tells the app to
// call 127.0.0.1:15020 says that a pod which moves pilot-agent's status
// port calls another, so that no rule sends the user to a port nothing
// serves.
func TestRemediationsCallTheMovedPort(t *testing.T) {
	for _, r := range checks.All() {
		if !strings.Contains(r.Remediation, "127.0.0.1:15020") {
			continue
		}
		if !strings.Contains(r.Remediation, "(the message names another port where the pod moves pilot-agent's status port") &&
			!strings.Contains(r.Remediation, "127.0.0.1:15020 unless the pod moves it") {
			t.Errorf("%s: the remediation calls 127.0.0.1:15020 without a word for pods that move the status port: %s", r.ID, r.Remediation)
		}
	}
}

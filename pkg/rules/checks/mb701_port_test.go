package checks_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestMB701LastingFixFollowsStatusPort: the fix MB701 names for the Job
// calls the pod's status port (its annotations, else the PROXY_CONFIG
// the injector wrote), and with port 0 names the native sidecar alone.
func TestMB701LastingFixFollowsStatusPort(t *testing.T) {
	file := filepath.Join("testdata", "MB701", "bad_status_port.yaml")
	res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: []*rules.Rule{checks.PodSidecarOutlivesApp}, Now: ruletest.Now})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"etl-moved": {"a POST to http://127.0.0.1:16020/quitquitquit when the app ends"},
		"etl-off":   {"status.sidecar.istio.io/port is 0", "no quit endpoint to call", "nativeSidecar"},
		// the mesh's defaultConfig.statusPort, from PROXY_CONFIG
		"etl-mesh-port": {"a POST to http://127.0.0.1:18020/quitquitquit when the app ends",
			"curl -sf -XPOST http://127.0.0.1:18020/quitquitquit", "from its istio-proxy container's PROXY_CONFIG statusPort"},
		// the annotation over PROXY_CONFIG, as pilot-agent applies them
		"etl-mesh-port-annotated": {"a POST to http://127.0.0.1:16020/quitquitquit when the app ends"},
	}
	seen := 0
	for f := range res.Findings.All() {
		w, ok := want[f.Object.Name]
		if !ok {
			t.Errorf("unexpected finding on %s: %s", f.Object.Name, f.Message)
			continue
		}
		seen++
		if strings.Contains(f.Message, "15020") {
			t.Errorf("%s: names the default port 15020: %s", f.Object.Name, f.Message)
		}
		for _, s := range w {
			if !strings.Contains(f.Message, s) {
				t.Errorf("%s: %s\nwant it to contain %q", f.Object.Name, f.Message, s)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d findings, want one per pod:\n%s", seen, ruletest.Messages(res))
	}
}

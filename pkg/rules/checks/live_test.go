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

// TestLiveRulesSilentOnManifests: the live rules (MB7xx) judge status,
// which manifests do not carry, so they find nothing in the other rules'
// fixtures, the testdata, the examples and the shared corpus of real
// manifests.
func TestLiveRulesSilentOnManifests(t *testing.T) {
	var live []*rules.Rule
	for _, r := range checks.All() {
		if strings.HasPrefix(r.ID, "MB7") {
			live = append(live, r)
		}
	}
	if len(live) < 6 {
		t.Fatalf("%d live rules, want MB701 to MB706 at least", len(live))
	}
	paths := []string{filepath.Join("..", "..", "..", "testdata"), filepath.Join("..", "..", "..", "examples")}
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "MB[0-6]*"))
	paths = append(paths, fixtures...)
	if shared := filepath.Join("..", "..", "..", "..", "shared", "corpus"); dirExists(shared) {
		paths = append(paths, shared)
	}
	res, err := lint.Run(context.Background(), paths, lint.Options{Rules: live, Now: ruletest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.Objects < 500 {
		t.Fatalf("only %d objects: the inputs were not read", res.Stats.Objects)
	}
	for f := range res.Findings.All() {
		if f.RuleID != rules.InvalidInput.ID { // reported whatever the rules
			t.Errorf("%s:%d: %s fires on a manifest: %s", f.File, f.Line, f.RuleID, f.Message)
		}
	}
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

package checks_test

import (
	"flag"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

var update = flag.Bool("update", false, "rewrite testdata/*/bad*.fixed.yaml")

// TestFixes runs every rule's fixes on its fixtures (ruletest.RunFixes):
// the goldens bad*.fixed.yaml, only touched lines changed, and no finding
// with a fix left.
func TestFixes(t *testing.T) {
	for _, r := range checks.All() {
		t.Run(r.ID, func(t *testing.T) { ruletest.RunFixes(t, "testdata", r, *update) })
	}
}

package checks_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

func TestRegistryIsValid(t *testing.T) {
	if err := rules.Validate(checks.All()); err != nil {
		t.Fatal(err)
	}
}

// TestValidateRejects shows the meta-test can fail: each broken registry
// is refused with the reason.
func TestValidateRejects(t *testing.T) {
	all := checks.All()
	renamed := *all[1]
	renamed.Slug = "Not Kebab"
	noFix := *all[2]
	noFix.Remediation = ""
	misspelt := *all[3]
	misspelt.Reads = rules.Reads{Spec: []string{"PeerAuthentications"}}
	for _, tc := range []struct {
		name string
		rs   []*rules.Rule
		want string
	}{
		{"out of order", []*rules.Rule{all[2], all[1]}, "keep the registry ordered by id"},
		{"duplicate id", []*rules.Rule{all[1], all[1]}, "duplicate id"},
		{"bad slug", []*rules.Rule{&renamed}, "must be kebab-case"},
		{"no remediation", []*rules.Rule{&noFix}, "remediation must be a sentence"},
		{"misspelt kind in Reads", []*rules.Rule{&misspelt}, `Reads names kind "PeerAuthentications"`},
	} {
		err := rules.Validate(tc.rs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// TestRules runs every rule's fixtures (testdata/<rule id>) through the
// rule test harness, in each of its modes.
func TestRules(t *testing.T) {
	for _, r := range checks.All() {
		t.Run(r.ID, func(t *testing.T) { ruletest.Run(t, "testdata", r) })
	}
}

// TestFixtureDirsMatchRules catches fixture folders of renamed rules.
func TestFixtureDirsMatchRules(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "MB*"))
	for _, d := range dirs {
		if checks.Lookup(filepath.Base(d)) == nil {
			t.Errorf("%s: no rule with that id", d)
		}
	}
}

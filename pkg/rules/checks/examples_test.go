package checks_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestRuleExamples checks the documentation examples of every rule: Bad
// must make the rule fire, Good must not, and both must be valid input. A
// "# facts:" line works as in the fixtures.
func TestRuleExamples(t *testing.T) {
	for _, r := range checks.All() {
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
				facts, partial := ruletest.Facts(t, file, []byte(ex.text))
				res, err := lint.Run(context.Background(), []string{file}, lint.Options{Facts: facts, Partial: partial, Rules: []*rules.Rule{r}, Now: ruletest.Now})
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for f := range res.Findings.All() {
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
					t.Errorf("the Good example makes %s fire: %s", r.ID, ruletest.Messages(res))
				}
			}
		})
	}
}

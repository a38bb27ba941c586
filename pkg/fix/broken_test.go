package fix_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/fix"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// brokenRule reports an error on every batch workload with a fix that
// build makes: a rule whose fix has a bug.
func brokenRule(build func(w *rules.Workload, ed *manifest.Editor) error) *rules.Rule {
	return &rules.Rule{
		ID: "MB998", Slug: "broken-fix", Severity: rules.Error,
		Check: func(p *rules.Pass) {
			for _, w := range p.Index.BatchWorkloads() {
				p.ReportFixf(rules.Offer{Description: "rename the container", Build: func(ed *manifest.Editor) error {
					return build(w, ed)
				}}, w.Object, "spec", "%s is broken", w.Object.Ref())
			}
		},
	}
}

// TestRunFixBuildFails: a fix whose Build fails with an error other than
// the editor declining is not an unreadable input: the run applies the
// other rules' fixes, says the failed one is a bug in meshbatch, with its
// rule, file and line, and fails with ErrBrokenFix, not an input error.
func TestRunFixBuildFails(t *testing.T) {
	file := copyTo(t, "rounds.yaml")
	broken := brokenRule(func(*rules.Workload, *manifest.Editor) error { return errors.New("the editor lost its place") })
	rep, err := fix.Run(context.Background(), []string{file},
		fix.Options{Lint: lint.Options{Rules: []*rules.Rule{broken, checks.AnnotationOnWrongObject}}, FailOn: rules.Error, Write: true})
	if !errors.Is(err, fix.ErrBrokenFix) || strings.Contains(err.Error(), "could not be read") {
		t.Errorf("err = %v, want ErrBrokenFix", err)
	}
	var fe *rules.FixError
	if len(rep.FixErrors) != 1 || !errors.As(rep.FixErrors[0], &fe) || fe.Rule != "MB998" {
		t.Fatalf("FixErrors %v, want MB998's", rep.FixErrors)
	}
	msg := strings.Join(rep.Messages, "\n")
	want := file + ":5: MB998: building the fix for Job batch/etl failed: the editor lost its place; this is a bug in meshbatch, please report it"
	if !strings.Contains(msg, want) || strings.Contains(msg, "could not be read") || strings.Contains(msg, "nothing to fix") {
		t.Errorf("messages:\n%s\nwant %q", msg, want)
	}
	if len(rep.Files) != 1 || !slices.Equal(appliedRules(rep.Files[0]), []string{"MB205"}) {
		t.Fatalf("files %v: want MB205's fix applied", rep.Files)
	}
	if got, _ := os.ReadFile(file); !bytes.Equal(got, rep.Files[0].New) {
		t.Errorf("MB205's fix was not written:\n%s", got)
	}
	if !rep.Failed() {
		t.Error("the run passes")
	}
}

package fix_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// sameName "renames" the first container to the name it has.
func sameName(w *rules.Workload, ed *manifest.Editor) error {
	return ed.ReplaceScalar(w.TemplateField("spec.containers[0].name"), "etl")
}

// TestRunFixChangesNothing: a fix whose edits leave the file as it is
// does not end the run as if it were done. Its finding is named, with
// its rule and place, as left and as a bug, beside the fixes of other
// rules, which are applied; the run fails with ErrBrokenFix.
func TestRunFixChangesNothing(t *testing.T) {
	for _, c := range []struct {
		name   string
		rules  []*rules.Rule
		rounds int
		write  bool
		fixed  int // files fixed by the rules that work
		line   int // of the finding's spec: in the file on disk when fix ends
	}{
		{"alone", []*rules.Rule{brokenRule(sameName)}, 0, true, 0, 12},
		{"with a rule whose fix works", []*rules.Rule{brokenRule(sameName), checks.AnnotationOnWrongObject}, 0, true, 1, 10},
		// not written: the line in the file as read, above MB205's move
		{"with a rule whose fix works, not written", []*rules.Rule{brokenRule(sameName), checks.AnnotationOnWrongObject}, 0, false, 1, 12},
		// the rounds run out: not a fix left for another run
		{"in the last round", []*rules.Rule{brokenRule(sameName), checks.AnnotationOnWrongObject}, 1, true, 1, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := copyTo(t, "rounds.yaml")
			orig, _ := os.ReadFile(file)
			rep, err := fix.Run(context.Background(), []string{file}, fix.Options{Lint: lint.Options{Rules: c.rules}, FailOn: rules.Error, Write: c.write, Rounds: c.rounds})
			if !errors.Is(err, fix.ErrBrokenFix) {
				t.Errorf("err = %v, want ErrBrokenFix", err)
			}
			if len(rep.NoChange) != 1 || rep.NoChange[0].RuleID != "MB998" || len(rep.Left) > 0 || !rep.Failed() {
				t.Fatalf("NoChange %v, Left %v, failed %v: want MB998's finding, none left for another run, and a failed run", rep.NoChange, rep.Left, rep.Failed())
			}
			msg := strings.Join(rep.Messages, "\n")
			want := fmt.Sprintf("%s:%d: MB998 not fixed: its fix changes nothing, so the finding is left as it is; this is a bug in meshbatch, please report it", file, c.line)
			if !strings.Contains(msg, want) {
				t.Errorf("messages:\n%s\nwant %q", msg, want)
			}
			if strings.Contains(msg, "nothing to fix") {
				t.Errorf("a run that leaves a finding says:\n%s", msg)
			}
			if len(rep.Files) != c.fixed {
				t.Fatalf("%d files fixed, want %d", len(rep.Files), c.fixed)
			}
			got, _ := os.ReadFile(file)
			if (c.fixed == 0 || !c.write) && !bytes.Equal(got, orig) {
				t.Errorf("the file was written:\n%s", got)
			}
			if c.fixed == 1 && c.write && (!slices.Equal(appliedRules(rep.Files[0]), []string{"MB205"}) || !bytes.Equal(got, rep.Files[0].New)) {
				t.Errorf("applied %v; file:\n%s", appliedRules(rep.Files[0]), got)
			}
		})
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

// TestRunFixBuildFailsLineOnDisk: a fix that fails to build in a later
// round is named at its object's line on disk: without --write, the file
// as read, not the text MB302's lines made in memory; with it, the file
// written.
func TestRunFixBuildFailsLineOnDisk(t *testing.T) {
	second := "---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: load, namespace: batch}\nspec:\n  template:\n" +
		"    spec:\n      restartPolicy: Never\n      containers: [{name: load, image: load:1}]\n"
	broken := brokenRule(func(*rules.Workload, *manifest.Editor) error { return errors.New("the editor lost its place") })
	for _, c := range []struct {
		write bool
		line  int // of the second Job, after overlap.yaml's 22 lines
	}{{false, 24}, {true, 27}} {
		file := copyTo(t, "overlap.yaml")
		data, _ := os.ReadFile(file)
		if err := os.WriteFile(file, append(data, second...), 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := fix.Run(context.Background(), []string{file},
			fix.Options{Lint: lint.Options{Rules: []*rules.Rule{broken, checks.ProxyResourcesPartial}}, Write: c.write})
		if !errors.Is(err, fix.ErrBrokenFix) || rep.Applied != 1 {
			t.Fatalf("err = %v, %d fixes; want ErrBrokenFix and MB302's fix", err, rep.Applied)
		}
		msg := strings.Join(rep.Messages, "\n")
		want := fmt.Sprintf("%s:%d: MB998: building the fix for Job batch/load failed", file, c.line)
		if !strings.Contains(msg, want) {
			t.Errorf("write %v: messages:\n%s\nwant %q", c.write, msg, want)
		}
	}
}

// TestRunSelfOverlappingLineOnDisk: a fix whose own edits overlap, offered
// only once MB302's fix added the proxy's limits above its container, is
// named at the container's line in the file as read, when nothing is
// written.
func TestRunSelfOverlappingLineOnDisk(t *testing.T) {
	twice := &rules.Rule{
		ID: "MB998", Slug: "broken-fix", Severity: rules.Error,
		Check: func(p *rules.Pass) {
			for _, w := range p.Index.BatchWorkloads() {
				if _, ok := w.Template.Annotations["sidecar.istio.io/proxyCPULimit"]; !ok {
					continue
				}
				name := w.TemplateField("spec.containers[0].name")
				p.ReportFixf(rules.Offer{Description: "rename the container twice", Build: func(ed *manifest.Editor) error {
					if err := ed.ReplaceScalar(name, "a"); err != nil {
						return err
					}
					return ed.ReplaceScalar(name, "b")
				}}, w.Object, name, "%s is broken", w.Object.Ref())
			}
		},
	}
	file := copyTo(t, "overlap.yaml")
	rep, err := fix.Run(context.Background(), []string{file},
		fix.Options{Lint: lint.Options{Rules: []*rules.Rule{twice, checks.ProxyResourcesPartial}}})
	// the container's name: line 20 on disk, 23 in memory
	if want := file + ":20: MB998's fix has edits that overlap each other"; !errors.Is(err, fix.ErrBrokenFix) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want %q…", err, want)
	}
	if rep.Applied != 1 {
		t.Errorf("%d fixes applied, want MB302's", rep.Applied)
	}
}

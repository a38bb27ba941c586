package fix_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/fix"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestRunLeftLinesOnDisk: the fixes left for another run are named at
// their line in the file as it is on disk when fix ends. Without --write
// (or when the file could not be written) that is the file as read, not
// the rounds' text in memory: a finding below lines a fix adds keeps its
// line, and one in text a fix adds is named as such, at the line where
// the text goes. With --write it is the file written, which is what the
// user opens next.
func TestRunLeftLinesOnDisk(t *testing.T) {
	const again = " not applied%s: fixes still changed the file after 1 round; run meshbatch fix again"
	for _, c := range []struct {
		name     string
		fixture  string
		write    bool
		readOnly bool
		want     []string // file:line: rule and note
	}{
		// MB302's lines go in above the container MB201 reports on (line
		// 23 in memory)
		{"below added lines", "overlap.yaml", false, false, []string{":20: MB201"}},
		{"below added lines, written", "overlap.yaml", true, false, []string{":23: MB201"}},
		{"below added lines, not written", "overlap.yaml", true, true, []string{":20: MB201"}},
		// MB205 moves the annotation (line 11) into the pod template, in
		// front of line 18; MB302's finding is on it (line 17 in memory)
		{"in moved text", "rounds.yaml", false, false, []string{":18: MB302 (in text a fix adds near line 18)", ":21: MB201"}},
		{"in moved text, written", "rounds.yaml", true, false, []string{":17: MB302", ":21: MB201"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := copyTo(t, c.fixture)
			if c.readOnly {
				if err := os.Chmod(file, 0o444); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := fix.Run(context.Background(), []string{file}, fix.Options{Lint: roundsFacts(t), Rounds: 1, Write: c.write})
			if c.readOnly != errors.Is(err, fix.ErrReadOnly) {
				t.Fatalf("err = %v", err)
			}
			var got []string
			for _, m := range rep.Messages {
				if strings.Contains(m, "not applied") {
					got = append(got, m)
				}
			}
			var want []string
			for _, w := range c.want {
				rule, note, _ := strings.Cut(w, " (")
				if note != "" {
					note = " (" + note
				}
				want = append(want, file+rule+strings.Replace(again, "%s", note, 1))
			}
			if !slices.Equal(got, want) {
				t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestRunNeedFacts: findings whose rules would offer a fix with more
// facts are counted by the facts they need, named as Options.FactName
// says, and not when --rules leaves their rule out.
func TestRunNeedFacts(t *testing.T) {
	file := copyTo(t, "needfacts.yaml")
	opts := fix.Options{
		Lint:     lint.Options{Rules: []*rules.Rule{checks.JobSidecarNeverExits, checks.APPrincipalSyntax}},
		FailOn:   rules.Error,
		FactName: func(key string) string { return "<" + key + ">" },
	}
	rep, err := fix.Run(context.Background(), []string{file}, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []fix.NeedFacts{{Facts: []string{"istioVersion", "kubeletVersion"}, Findings: 2}, {Facts: []string{"trustDomain"}, Findings: 1}}
	if !slices.EqualFunc(rep.NeedFacts, want, func(a, b fix.NeedFacts) bool { return slices.Equal(a.Facts, b.Facts) && a.Findings == b.Findings }) {
		t.Errorf("NeedFacts %v, want %v", rep.NeedFacts, want)
	}
	msg := strings.Join(rep.Messages, "\n")
	for _, w := range []string{
		"2 findings could be fixed with <istioVersion> and <kubeletVersion> given: a fix is offered only where the facts make it certain",
		"1 finding could be fixed with <trustDomain> given",
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("messages:\n%s\nwant %q", msg, w)
		}
	}
	// the facts stated, the fixes are offered
	facts, err := lint.RawFacts{IstioVersion: "1.26", KubeletVersion: "1.30", TrustDomain: "prod.example.com"}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	stated := opts
	stated.Lint.Facts = facts
	if rep, err = fix.Run(context.Background(), []string{file}, stated); err != nil {
		t.Fatal(err)
	}
	if rep.NeedFacts != nil || rep.Applied != 3 {
		t.Errorf("with the facts: NeedFacts %v, %d fixes; want none, 3", rep.NeedFacts, rep.Applied)
	}
	opts.Rules, opts.FactName = []string{"MB506"}, nil
	if rep, err = fix.Run(context.Background(), []string{file}, opts); err != nil {
		t.Fatal(err)
	}
	if want := []string{"1 finding could be fixed with facts.trustDomain given: a fix is offered only where the facts make it certain"}; !slices.Equal(rep.NeedFacts[0].Facts, []string{"trustDomain"}) || len(rep.NeedFacts) != 1 ||
		!slices.Contains(rep.Messages, want[0]) {
		t.Errorf("--rules MB506: NeedFacts %v, messages %q", rep.NeedFacts, rep.Messages)
	}
}

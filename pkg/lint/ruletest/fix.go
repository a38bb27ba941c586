package ruletest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/fix"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// FixedSuffix ends the name of a fixture after its rule's fixes:
// bad.yaml's is bad.fixed.yaml.
const FixedSuffix = ".fixed.yaml"

// maxRounds bounds the runs of fix a fixture takes: each run applies the
// fixes that did not overlap the ones before.
const maxRounds = 5

// Round is one run of fix over some bytes.
type Round struct {
	Before, After []byte
	Edits         []manifest.Edit // the edits applied
	Applied       []lint.Finding  // the findings whose fixes they are
	Findings      []lint.Finding  // the run's findings, fixes and all
}

// FixRounds lints data as file would be, with the facts of its "# facts:"
// lines and the given rules, applies their fixes, and does it again until
// nothing changes: the rounds that changed something.
func FixRounds(t testing.TB, file string, data []byte, rs []*rules.Rule) []Round {
	t.Helper()
	var rounds []Round
	facts, partial := Facts(t, file, data)
	for range maxRounds + 1 {
		res, err := lint.Run(context.Background(), []string{"-"},
			lint.Options{Facts: facts, Partial: partial, Rules: rs, Fixes: true, Stdin: bytes.NewReader(data), Now: Now})
		if err != nil {
			t.Fatal(err)
		}
		if errs := append(res.InputErrors, res.FixErrors...); len(errs) > 0 {
			t.Fatalf("%s: %v", file, errors.Join(errs...))
		}
		all := slices.Collect(res.Findings.All())
		files, err := fix.Plan(all, func(string) ([]byte, error) { return data, nil })
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(files) > 0 && len(files[0].NoChange) > 0 {
			t.Errorf("%s: %s's fix changes nothing: %v", file, files[0].NoChange[0].RuleID, files[0].NoChange[0].Fix)
		}
		if len(files) == 0 || bytes.Equal(files[0].New, data) {
			return rounds
		}
		r := Round{Before: data, After: files[0].New, Findings: all}
		r.Applied = files[0].Applied
		for _, f := range files[0].Applied {
			r.Edits = append(r.Edits, f.Fix.Edits...)
		}
		rounds = append(rounds, r)
		data = files[0].New
	}
	t.Fatalf("%s: fixes still change the file after %d runs", file, maxRounds)
	return nil
}

// RunFixes checks rule r's fixes on its fixtures in dir/<r.ID>: for each
// bad*.yaml whose findings offer fixes, applying them (again while they
// overlap) gives bad*.fixed.yaml, which update rewrites; only lines an
// edit touched change; the fixed file has no finding of r that had a fix,
// and every finding left is one that offered none. A rule that offers
// fixes must say so in AutoFix, and one that says so must fix a fixture.
func RunFixes(t *testing.T, dir string, r *rules.Rule, update bool) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, r.ID, "*.yaml"))
	fixed := 0
	for _, file := range files {
		base := filepath.Base(file)
		if strings.HasSuffix(base, FixedSuffix) || !strings.HasPrefix(base, "bad") && !strings.HasPrefix(base, "good") {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		rounds := FixRounds(t, file, data, []*rules.Rule{r})
		golden := strings.TrimSuffix(file, ".yaml") + FixedSuffix
		if len(rounds) == 0 {
			if _, err := os.Stat(golden); err == nil {
				if update {
					os.Remove(golden)
				} else {
					t.Errorf("%s: no fix applies, but %s exists", file, golden)
				}
			}
			continue
		}
		if r.AutoFix == "" {
			t.Errorf("%s: %s offers fixes, but its AutoFix does not say what they do", file, r.ID)
		}
		if strings.HasPrefix(base, "good") {
			t.Errorf("%s: a good fixture gets fixes", file)
		}
		fixed++
		for i, round := range rounds {
			if lines := untouchedChanged(round.Before, round.After, round.Edits); len(lines) > 0 {
				t.Errorf("%s (run %d): lines no edit touched changed: %v", file, i+1, lines)
			}
		}
		out := rounds[len(rounds)-1].After
		if update {
			if err := os.WriteFile(golden, out, 0o644); err != nil {
				t.Fatal(err)
			}
		} else if want, err := os.ReadFile(golden); err != nil || !bytes.Equal(want, out) {
			t.Errorf("%s: the fixed file differs from %s (go test -update rewrites it):\n%s", file, golden, diffText(golden, want, out))
		}
		// The same fixes when the engine released the documents and reads
		// them back from the file.
		facts0, partial0 := Facts(t, file, data)
		released, err := lint.Run(context.Background(), []string{file},
			lint.Options{Facts: facts0, Partial: partial0, Rules: []*rules.Rule{r}, Fixes: true, Residency: lint.ReleaseAll, Now: Now})
		if err != nil {
			t.Fatal(err)
		}
		if errs := append(released.InputErrors, released.FixErrors...); len(errs) > 0 {
			t.Fatalf("%s, with the documents released: %v", file, errors.Join(errs...))
		}
		if got, want := fixEdits(slices.Collect(released.Findings.All())), fixEdits(rounds[0].Findings); !slices.Equal(got, want) {
			t.Errorf("%s: with the documents released, the fixes differ:\n got %q\nwant %q", file, got, want)
		}
		// What the fixes leave: the findings of r that offered none.
		noFix := 0
		for _, f := range rounds[0].Findings {
			if f.RuleID == r.ID && f.Fix == nil {
				noFix++
			}
		}
		facts, partial := Facts(t, file, out)
		res, err := lint.Run(context.Background(), []string{"-"},
			lint.Options{Facts: facts, Partial: partial, Rules: []*rules.Rule{r}, Stdin: bytes.NewReader(out), Now: Now})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Findings.Len(); got != noFix {
			t.Errorf("%s: after the fixes %d findings of %s are left, want the %d that offered no fix:\n%s",
				file, got, r.ID, noFix, Messages(res))
		}
	}
	if r.AutoFix != "" && fixed == 0 {
		t.Errorf("%s says it fixes (AutoFix), but no fixture of it gets a fix", r.ID)
	}
}

// untouchedChanged returns the 1-based lines of before that no edit
// touched but that after does not keep, byte for byte.
func untouchedChanged(before, after []byte, edits []manifest.Edit) []int {
	lineOf := func(off int) int { return bytes.Count(before[:off], []byte("\n")) }
	touched := map[int]bool{}
	for _, e := range edits {
		first, last := lineOf(e.Start), lineOf(e.End)
		if e.End > e.Start && e.End > 0 && before[e.End-1] == '\n' {
			last-- // the range ends with its last line's break
		}
		if e.Start == e.End && (e.Start == 0 || before[e.Start-1] == '\n') {
			continue // an insertion between lines touches none
		}
		for l := first; l <= last; l++ {
			touched[l] = true
		}
	}
	var changed []int
	for _, l := range fix.DeletedLines(before, after) {
		if !touched[l] {
			changed = append(changed, l+1)
		}
	}
	return changed
}

func diffText(name string, a, b []byte) string {
	var buf bytes.Buffer
	_ = fix.Diff(&buf, name, a, b)
	return buf.String()
}

// fixEdits lists the findings' fixes as text, without the file name.
func fixEdits(fs []lint.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Fix == nil {
			continue
		}
		for _, e := range f.Fix.Edits {
			out = append(out, fmt.Sprintf("%s %d-%d %d:%d %q", f.RuleID, e.Start, e.End, e.StartPos.Line, e.StartPos.Col, e.New))
		}
	}
	return out
}

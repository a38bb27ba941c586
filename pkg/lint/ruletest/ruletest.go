// Package ruletest runs a rule's fixtures through the lint engine, as
// analysistest does for a go/analysis analyzer.
//
// A rule's fixtures live in testdata/<rule id>/. A file named bad*.yaml
// must make the rule fire and a file named good*.yaml must keep it silent;
// every expected finding is marked on the line it must point at:
//
//	command: ["/app/etl"]   # want MB101
//	command: ["/app/etl"]   # want MB101/warning   (also checks the severity)
//
// A "# facts: key=value ..." line sets cluster facts for the file (keys as
// in the config file's facts section, plus partial=true). Every fixture is
// linted at the fixed instant Now.
//
// Run lints each fixture twice, through the real engine: once as meshbatch
// runs, and once with every object the rule's Reads let the engine release
// released at load and one workload decoded per pass (lint.ReleaseAll). A
// rule that reads what it does not declare, or that counts on seeing all
// workloads in one loop, gets other findings in the second run and fails
// in its own test.
package ruletest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

var wantRE = regexp.MustCompile(`#\s*want\s+((?:MB\d{3}(?:/\w+)?\s*)+)`)

// Want is a finding a fixture expects: a rule on a line, at a severity
// when the marker names one.
type Want struct {
	Rule     string
	Line     int
	Severity string
}

// Now is the clock every fixture is linted at (lint.Options.Now): rules
// that judge status timestamps give the same findings on every day the
// tests run.
var Now = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

// Modes are the residencies Run lints each fixture with.
var Modes = []struct {
	Name      string
	Residency lint.Residency
}{
	{"as run", lint.Residency{}},
	{"released", lint.ReleaseAll},
}

// Run checks rule r against its fixtures in dir/<r.ID>: each bad*.yaml
// gets exactly the findings its markers want, each good*.yaml none, in
// every mode, and every finding is on an object of one of r.Kinds. A rule
// needs at least one fixture of each.
func Run(t *testing.T, dir string, r *rules.Rule) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, r.ID, "*.yaml"))
	var bad, good int
	for _, f := range files {
		if strings.HasSuffix(f, FixedSuffix) {
			continue // a fixture after its fixes: see RunFixes
		}
		wants := runFixture(t, r, f)
		switch base := filepath.Base(f); {
		case strings.HasPrefix(base, "bad") && len(wants) > 0:
			bad++
		case strings.HasPrefix(base, "good") && len(wants) == 0:
			good++
		default:
			t.Errorf("%s: name fixtures bad*.yaml (with # want markers) or good*.yaml (without)", f)
		}
	}
	if bad == 0 || good == 0 {
		t.Errorf("rule %s needs at least one bad*.yaml and one good*.yaml fixture in %s (has %d bad, %d good)",
			r.ID, filepath.Join(dir, r.ID), bad, good)
	}
}

func runFixture(t *testing.T, r *rules.Rule, file string) []Want {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	wants := parseWants(data)
	facts, partial := Facts(t, file, data)
	for _, mode := range Modes {
		opts := lint.Options{Facts: facts, Partial: partial, Rules: []*rules.Rule{r}, Residency: mode.Residency, Now: Now}
		res, err := lint.Run(context.Background(), []string{file}, opts)
		if err != nil {
			t.Fatal(err)
		}
		var got []Want
		for _, f := range slices.Concat(slices.Collect(res.Findings.All()), slices.Collect(res.Suppressed.All())) {
			if f.RuleID != r.ID {
				t.Errorf("%s:%d: fixture is not valid input: %s %s", f.File, f.Line, f.RuleID, f.Message)
				continue
			}
			if !slices.Contains(r.Kinds, f.Object.Kind) && !slices.Contains(r.Kinds, "*") {
				t.Errorf("%s:%d: %s reports on a %s, which its Kinds %v do not name", f.File, f.Line, r.ID, f.Object.Kind, r.Kinds)
			}
			if f.Suppressed != "" {
				continue
			}
			got = append(got, Want{Rule: f.RuleID, Line: f.Line, Severity: f.Severity.String()})
		}
		// Compare severities only where the marker states one.
		for i := range got {
			for _, w := range wants {
				if w.Line == got[i].Line && w.Rule == got[i].Rule && w.Severity == "" {
					got[i].Severity = ""
				}
			}
		}
		if diff := cmp.Diff(wants, got); diff != "" {
			t.Errorf("%s (%s): findings differ from the # want markers (-want +got):\n%s\nmessages:\n%s",
				file, mode.Name, diff, Messages(res))
		}
	}
	return wants
}

func parseWants(data []byte) []Want {
	var wants []Want
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		if m := wantRE.FindStringSubmatch(sc.Text()); m != nil {
			for _, w := range strings.Fields(m[1]) {
				id, sev, _ := strings.Cut(w, "/")
				wants = append(wants, Want{Rule: id, Line: line, Severity: sev})
			}
		}
	}
	return wants
}

// Facts reads the "# facts:" lines of a fixture: the cluster facts, and
// whether it is linted in partial mode.
func Facts(t testing.TB, file string, data []byte) (mesh.Facts, bool) {
	t.Helper()
	var raw lint.RawFacts
	partial := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "# facts:")
		if !ok {
			continue
		}
		m := map[string]any{}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			if k == "partial" {
				partial = v == "true"
				continue
			}
			m[k] = v
		}
		js, _ := yaml.Marshal(m)
		if err := yaml.UnmarshalStrict(js, &raw); err != nil {
			t.Fatalf("%s:%d: bad facts line: %v", file, line, err)
		}
	}
	facts, err := raw.Parse()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return facts, partial
}

// Messages lists a result's findings, for a failing test's output.
func Messages(res *lint.Result) string {
	var b strings.Builder
	for f := range res.Findings.All() {
		fmt.Fprintf(&b, "  %d: %s %s %s\n", f.Line, f.RuleID, f.Severity, f.Message)
	}
	return b.String()
}

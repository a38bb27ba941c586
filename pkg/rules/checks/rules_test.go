package checks_test

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

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// Fixtures live in testdata/<rule id>/. Files named bad*.yaml must make the
// rule fire, files named good*.yaml must keep it silent, and every expected
// finding is marked on the line it must point at with a trailing comment:
//
//	command: ["/app/etl"]   # want MB101
//	command: ["/app/etl"]   # want MB101/warning   (also checks the severity)
//
// A "# facts: key=value ..." line sets cluster facts for the file (keys as
// in the config file's facts section, plus partial=true).

var wantRE = regexp.MustCompile(`#\s*want\s+((?:MB\d{3}(?:/\w+)?\s*)+)`)

type want struct {
	Rule     string
	Line     int
	Severity string
}

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
	for _, tc := range []struct {
		name string
		rs   []*rules.Rule
		want string
	}{
		{"out of order", []*rules.Rule{all[2], all[1]}, "keep the registry ordered by id"},
		{"duplicate id", []*rules.Rule{all[1], all[1]}, "duplicate id"},
		{"bad slug", []*rules.Rule{&renamed}, "must be kebab-case"},
		{"no remediation", []*rules.Rule{&noFix}, "remediation must be a sentence"},
	} {
		err := rules.Validate(tc.rs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

func TestRules(t *testing.T) {
	for _, r := range checks.All() {
		t.Run(r.ID, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("testdata", r.ID, "*.yaml"))
			var bad, good int
			for _, f := range files {
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
				t.Errorf("rule %s needs at least one bad*.yaml and one good*.yaml fixture in testdata/%s (has %d bad, %d good)", r.ID, r.ID, bad, good)
			}
		})
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

func runFixture(t *testing.T, r *rules.Rule, file string) []want {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	wants, facts, partial := parseFixture(t, file, data)
	opts := lint.Options{Facts: facts, Partial: partial, Rules: []*rules.Rule{r}}
	res, err := lint.Run(context.Background(), []string{file}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []want
	for _, f := range slices.Concat(slices.Collect(res.Findings.All()), slices.Collect(res.Suppressed.All())) {
		if f.RuleID != r.ID {
			t.Errorf("%s:%d: fixture is not valid input: %s %s", f.File, f.Line, f.RuleID, f.Message)
			continue
		}
		if f.Suppressed != "" {
			continue
		}
		got = append(got, want{Rule: f.RuleID, Line: f.Line, Severity: f.Severity.String()})
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
		t.Errorf("%s: findings differ from the # want markers (-want +got):\n%s\nmessages:\n%s", file, diff, messages(res))
	}
	return wants
}

func messages(res *lint.Result) string {
	var b strings.Builder
	for f := range res.Findings.All() {
		fmt.Fprintf(&b, "  %d: %s %s %s\n", f.Line, f.RuleID, f.Severity, f.Message)
	}
	return b.String()
}

func parseFixture(t *testing.T, file string, data []byte) ([]want, mesh.Facts, bool) {
	t.Helper()
	var wants []want
	var raw lint.RawFacts
	partial := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(text), "# facts:"); ok {
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
			continue
		}
		if m := wantRE.FindStringSubmatch(text); m != nil {
			for _, w := range strings.Fields(m[1]) {
				id, sev, _ := strings.Cut(w, "/")
				wants = append(wants, want{Rule: id, Line: line, Severity: sev})
			}
		}
	}
	facts, err := raw.Parse()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return wants, facts, partial
}

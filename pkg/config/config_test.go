package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// contract is the config shape promised in issue 4 and docs/configuration.md.
const contract = `rules:
  disable: [MB101]
  severity: {MB001: warning}
ignore:
  - rules: [MB101]
    paths: ["vendor/**"]
    kinds: [Job]
    namespaces: ["legacy-*"]
    names: ["old-*"]
    reason: jobs being retired in Q1
facts:
  istioVersion: "1.28"
  kubernetesVersion: "1.30"
  nativeSidecars: auto
failOn: warning
baseline: .meshbatch-baseline.json
`

func TestParseConfigContract(t *testing.T) {
	c, err := Parse(".meshbatch.yaml", "/repo", []byte(contract))
	if err != nil {
		t.Fatal(err)
	}
	if c.FailOn != "warning" || c.Facts.IstioVersion != "1.28" || c.Facts.NativeSidecars != "auto" {
		t.Errorf("scalars: %+v", c)
	}
	if c.Facts.KubernetesVersion != "1.30" {
		t.Errorf("kubernetesVersion = %q, want 1.30", c.Facts.KubernetesVersion)
	}
	set, overrides, err := c.RuleSet()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set {
		if r.ID == "MB101" {
			t.Error("MB101 is disabled but still in the rule set")
		}
	}
	if len(set) != len(checks.All())-1 {
		t.Errorf("rule set has %d rules, want all but one (%d)", len(set), len(checks.All())-1)
	}
	if diff := cmp.Diff(map[string]rules.Severity{"MB001": rules.Warning}, overrides); diff != "" {
		t.Errorf("overrides (-want +got):\n%s", diff)
	}
	sups, err := c.Suppressions()
	if err != nil {
		t.Fatal(err)
	}
	want := []lint.Suppression{{
		Rules: []string{"MB101"}, Paths: []string{"vendor/**"}, Base: "/repo",
		Kinds: []string{"Job"}, Namespaces: []string{"legacy-*"}, Names: []string{"old-*"},
		Reason: "jobs being retired in Q1", Origin: ".meshbatch.yaml:5", Source: lint.SuppressedByConfig,
	}}
	if diff := cmp.Diff(want, sups); diff != "" {
		t.Errorf("suppressions (-want +got):\n%s", diff)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown top-level key, did you mean", "failon: warning\n",
			`c.yaml:1:1: unknown key "failon" (did you mean "failOn"?); valid keys here: rules, ignore, exclude, facts, factsFile, format, failOn, minSeverity, baseline`},
		{"unknown nested key", "rules:\n  disabled: [MB101]\n",
			`c.yaml:2:3: in rules: unknown key "disabled" (did you mean "disable"?); valid keys here: disable, enable, severity`},
		{"unknown key in an ignore entry", "ignore:\n  - rules: [MB101]\n    path: [x]\n",
			`c.yaml:3:5: in ignore[0]: unknown key "path" (did you mean "paths"?)`},
		{"unknown fact", "facts:\n  istio: \"1.28\"\n",
			`c.yaml:2:3: in facts: unknown key "istio"`},
		{"list expected", "ignore:\n  - rules: MB101\n",
			`c.yaml:2:12: ignore[0].rules: expected a list, found "MB101" (write [MB101] for one item)`},
		{"mapping expected", "rules: [MB101]\n", `c.yaml:1:8: rules: expected a mapping, found a list`},
		{"duplicate key", "failOn: error\nfailOn: warning\n", `c.yaml:2:1: failOn: duplicate key`},
		{"unknown rule in disable", "rules:\n  disable: [MB999]\n",
			`c.yaml:2:13: rules.disable[0]: unknown rule "MB999"`},
		{"slug typo in disable", "rules:\n  disable: [job-sidecar-never-exit]\n",
			`rules.disable[0]: unknown rule "job-sidecar-never-exit" (did you mean job-sidecar-never-exits?)`},
		{"glob that matches nothing", "rules:\n  disable: [\"MB9*\"]\n", `pattern "MB9*" matches no rule`},
		{"MB001 cannot be disabled", "rules:\n  disable: [MB001]\n", "c.yaml:2:13: rules.disable[0]: MB001 (invalid input) cannot be disabled"},
		{"bad severity override", "rules:\n  severity: {MB101: fatal}\n",
			`c.yaml:2:14: rules.severity.MB101: unknown severity "fatal": use error, warning or info`},
		{"unknown rule in severity", "rules:\n  severity: {MB998: error}\n", `c.yaml:2:14: rules.severity.MB998: unknown rule "MB998"`},
		{"unknown rule in ignore", "ignore:\n  - rules: [MB997]\n", `c.yaml:2:13: ignore[0].rules[0]: unknown rule "MB997"`},
		{"empty ignore entry", "ignore:\n  - reason: everything\n", "c.yaml:2:5: ignore[0]: an ignore entry needs at least one of"},
		{"absolute path glob", "ignore:\n  - paths: [/abs/**]\n", `c.yaml:2:5: ignore[0]: path pattern "/abs/**" must be relative`},
		{"bad glob", "ignore:\n  - kinds: [\"[Job\"]\n", `c.yaml:2:5: ignore[0]: bad pattern "[Job"`},
		{"kind typo in ignore", "ignore:\n  - kinds: [Jobs]\n", `c.yaml:2:5: ignore[0]: unknown kind "Jobs" (did you mean Job?)`},
		{"lower-case kind in ignore", "ignore:\n  - kinds: [cronjob]\n", `ignore[0]: "cronjob" is not a kind: kinds start with an upper-case letter (did you mean CronJob?)`},
		{"namespace/name as a kind", "ignore:\n  - kinds: [batch/etl]\n", `ignore[0]: "batch/etl" is not a kind: a kind has no "/"`},
		{"bad fact", "facts:\n  istioVersion: one\n", `c.yaml:2:3: facts.istioVersion: version "one": want MAJOR.MINOR or MAJOR.MINOR.PATCH, like 1.28 or 1.28.3`},
		{"unquoted version", "facts:\n  istioVersion: 1.30\n",
			`c.yaml:2:17: facts.istioVersion: write the version as a string, like "1.30": YAML reads an unquoted 1.30 as a number`},
		{"unquoted major version", "facts:\n  kubeletVersion: 1\n", `c.yaml:2:19: facts.kubeletVersion: write the version as a string, like "1"`},
		{"absolute exclude", "exclude: [/abs/**]\n", `c.yaml:1:11: exclude[0]: path pattern "/abs/**" must be relative to the config file's directory`},
		{"bad exclude glob", "exclude: [\"charts/[\"]\n", `c.yaml:1:11: exclude[0]: bad path pattern "charts/["`},
		{"bad enum fact", "facts:\n  nativeSidecars: maybe\n", `c.yaml:2:3: facts.nativeSidecars: "maybe" is not one of true, false, auto`},
		{"bad failOn", "failOn: never\n", `c.yaml:1:1: failOn: unknown severity "never": use error, warning, info or none`},
		{"none is no min severity", "minSeverity: none\n", `c.yaml:1:1: minSeverity: unknown severity "none"`},
		{"YAML syntax", "rules:\n  disable: [MB101\n", `c.yaml:2:1: did not find expected ',' or ']'`},
		{"YAML syntax with a line", "rules:\n\tdisable: []\n", `c.yaml:2:1: found character that cannot start any token`},
		{"not a mapping", "- a\n", `c.yaml:1:1: expected a mapping, found a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", "/", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v\nwant it to contain %s", err, tc.want)
			}
		})
	}
}

func TestParseConfigEmptyAndNull(t *testing.T) {
	for _, y := range []string{"", "# only a comment\n", "rules:\nignore:\nfacts:\n"} {
		c, err := Parse("c.yaml", "/", []byte(y))
		if err != nil {
			t.Errorf("%q: %v", y, err)
			continue
		}
		if set, _, _ := c.RuleSet(); set != nil {
			t.Errorf("%q: an empty config selects rules", y)
		}
	}
}

func TestEnableWinsOverDisable(t *testing.T) {
	c, err := Parse("c.yaml", "/", []byte("rules:\n  disable: [\"*\"]\n  enable: [MB101]\n"))
	if err != nil {
		t.Fatal(err)
	}
	set, _, err := c.RuleSet()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range set {
		ids = append(ids, r.ID)
	}
	// MB001 stays on under a glob: it cannot be disabled.
	if diff := cmp.Diff([]string{"MB001", "MB101"}, ids); diff != "" {
		t.Errorf("rule set (-want +got):\n%s", diff)
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p string) {
		if err := os.WriteFile(p, []byte("failOn: warning\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing up to root: "" (a stray config above TempDir would break
	// this, and is worth knowing about).
	if got, err := Find(deep); err != nil || got != "" {
		t.Fatalf("Find with no config = %q, %v", got, err)
	}
	write(filepath.Join(root, "a", ".meshbatch.yml"))
	if got, _ := Find(deep); got != filepath.Join(root, "a", ".meshbatch.yml") {
		t.Errorf("Find = %q, want the .yml in a parent", got)
	}
	write(filepath.Join(root, "a", ".meshbatch.yaml"))
	if got, _ := Find(deep); got != filepath.Join(root, "a", ".meshbatch.yaml") {
		t.Errorf("Find = %q, want .yaml preferred over .yml", got)
	}
	write(filepath.Join(root, "a", "b", ".meshbatch.yaml"))
	if got, _ := Find(deep); got != filepath.Join(root, "a", "b", ".meshbatch.yaml") {
		t.Errorf("Find = %q, want the nearest one", got)
	}
}

// TestBaselineFile: the baseline key is relative to the config file's
// directory, shown from the working directory.
func TestBaselineFile(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for data, want := range map[string]string{
		"baseline: .meshbatch-baseline.json\n": filepath.Join("sub", ".meshbatch-baseline.json"),
		"baseline: ci/base.json\n":             filepath.Join("sub", "ci", "base.json"),
		"baseline: /etc/base.json\n":           "/etc/base.json",
		"failOn: warning\n":                    "",
	} {
		c, err := Parse("sub/.meshbatch.yaml", filepath.Join(wd, "sub"), []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.BaselineFile(); got != want {
			t.Errorf("%q: BaselineFile() = %q, want %q", data, got, want)
		}
	}
}

package fix_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// inputs are the manifests the properties are held on: the rule fixtures,
// the examples, the repository's testdata and the shared corpus of real
// manifests, when it is there.
func inputs(t *testing.T) []string {
	var files []string
	for _, root := range []string{"../rules/checks/testdata", "../../examples", "../../testdata", "../../../shared/corpus", "/work/shared/corpus"} {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			ext := filepath.Ext(path)
			if !d.IsDir() && (ext == ".yaml" || ext == ".yml") && !strings.HasSuffix(path, ruletest.FixedSuffix) {
				files = append(files, path)
			}
			return nil
		})
	}
	if len(files) < 100 {
		t.Fatalf("found only %d inputs", len(files))
	}
	return files
}

// withNativeFacts makes a file's fixes include those that need facts: an
// Istio and kubelets that run native sidecars.
const withNativeFacts = "# facts: istioVersion=1.26 kubeletVersion=1.30\n"

var factsLine = regexp.MustCompile(`(?m)^\s*# facts:`)

// TestFixProperties applies every fix to every input, again while they
// overlap, and checks that the result parses and decodes as strictly as
// before, lints with no finding it did not have, keeps every comment,
// and that fix then changes nothing more.
func TestFixProperties(t *testing.T) {
	fixedAny := 0
	for _, file := range inputs(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		variants := [][]byte{data}
		if !factsLine.Match(data) {
			variants = append(variants, append([]byte(withNativeFacts), data...))
		}
		for _, in := range variants {
			rounds := ruletest.FixRounds(t, file, in, checks.All())
			if len(rounds) == 0 {
				continue
			}
			fixedAny++
			out := rounds[len(rounds)-1].After
			if err := parses(out); err != nil && parses(in) == nil {
				t.Errorf("%s: the fixed file does not parse: %v\n%s", file, err, out)
				continue
			}
			before, after := findings(t, in), findings(t, out)
			for key, n := range after {
				if n > before[key] {
					t.Errorf("%s: the fixes add a finding: %s (%d, was %d)", file, key, n, before[key])
				}
			}
			// and remove the findings they fix
			fixed := map[string]int{}
			for _, r := range rounds {
				for _, f := range r.Applied {
					fixed[f.RuleID+" "+f.Object.String()]++
				}
			}
			for key, n := range fixed {
				if after[key] > before[key]-n {
					t.Errorf("%s: %d fixes of %s, but %d of its %d findings are left", file, n, key, after[key], before[key])
				}
			}
			if again := ruletest.FixRounds(t, file, out, checks.All()); len(again) > 0 {
				t.Errorf("%s: a second fix changes the file again", file)
			}
			kept := comments(out)
			for _, c := range comments(in) {
				if i := slices.Index(kept, c); i >= 0 {
					kept = slices.Delete(kept, i, i+1)
				} else {
					t.Errorf("%s: the fixes lose the comment %q", file, c)
				}
			}
		}
	}
	if fixedAny == 0 {
		t.Fatal("no input got a fix")
	}
	t.Logf("%d inputs fixed", fixedAny)
}

// parses reads every document of data as YAML.
func parses(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return err
		}
	}
}

// findings counts a file's findings by rule and object, and its MB001
// (input that does not decode strictly) by message.
func findings(t *testing.T, data []byte) map[string]int {
	facts, partial := ruletest.Facts(t, "input", data)
	res, err := lint.Run(context.Background(), []string{"-"}, lint.Options{Facts: facts, Partial: partial, Stdin: bytes.NewReader(data), Now: ruletest.Now})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for f := range res.Findings.All() {
		key := f.RuleID + " " + f.Object.String()
		if f.RuleID == "MB001" {
			key += ": " + f.Message
		}
		out[key]++
	}
	return out
}

var commentRE = regexp.MustCompile(`(?:^|\s)(#.*)$`)

// comments lists the comments of data, as a line-based scan sees them.
func comments(data []byte) []string {
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if m := commentRE.FindStringSubmatch(strings.TrimRight(line, "\r")); m != nil {
			out = append(out, strings.TrimSpace(m[1]))
		}
	}
	return out
}

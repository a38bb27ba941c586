package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// hook is an entry of .pre-commit-hooks.yaml, as pre-commit reads it.
type hook struct {
	ID            string   `yaml:"id"`
	Language      string   `yaml:"language"`
	Entry         string   `yaml:"entry"`
	Args          []string `yaml:"args"`
	PassFilenames *bool    `yaml:"pass_filenames"`
	Types         []string `yaml:"types"`
	Files         string   `yaml:"files"`
	RequireSerial bool     `yaml:"require_serial"`
}

func readHooks(t *testing.T) map[string]hook {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []hook
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	byID := map[string]hook{}
	for _, h := range hooks {
		if _, dup := byID[h.ID]; dup {
			t.Errorf("hook %s is declared twice", h.ID)
		}
		byID[h.ID] = h
	}
	return byID
}

// TestPreCommitHooks runs the hooks of .pre-commit-hooks.yaml as pre-commit
// would: the entry, then the hook's args and the user's, then the changed
// files unless pass_filenames is false. The spec hook fails when a
// generated file no longer matches its spec.
func TestPreCommitHooks(t *testing.T) {
	hooks := readHooks(t)
	for _, id := range []string{"meshbatch-lint", "meshbatch-lint-system", "meshbatch-lint-all",
		"meshbatch-generate-check", "meshbatch-generate-check-system"} {
		h, ok := hooks[id]
		if !ok {
			t.Fatalf("no hook %s", id)
		}
		if !strings.HasPrefix(h.Entry, "meshbatch ") || !h.RequireSerial {
			t.Errorf("%s: %+v", id, h)
		}
		if base, ok := strings.CutSuffix(id, "-system"); ok {
			if h.Language != "system" || hooks[base].Entry != h.Entry {
				t.Errorf("%s is not %s with the binary on PATH: %+v", id, base, h)
			}
		}
	}

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "specs", "etl.yaml"), []byte(`apiVersion: meshbatch.dev/v1alpha1
kind: BatchJob
metadata: {name: etl, namespace: batch}
spec:
  image: registry.example.com/etl:1.4.2
  command: ["/app/etl"]
  mesh: {istioVersion: "1.28", kubernetesVersion: "1.31", kubeletVersion: "1.31"}
`))
	runHook := func(id string, userArgs, files []string) result {
		h := hooks[id]
		args := append(strings.Fields(h.Entry)[1:], h.Args...)
		args = append(args, userArgs...)
		if h.PassFilenames == nil || *h.PassFilenames {
			args = append(args, files...)
		}
		return runIn(t, dir, nil, args...)
	}
	specArgs := []string{"-f", "specs/", "-o", "deploy/"}
	runIn(t, dir, nil, "generate", "-f", "specs/", "-o", "deploy/").want(t, exitOK)
	runHook("meshbatch-generate-check", specArgs, []string{"specs/etl.yaml"}).want(t, exitOK, `stderr:^deploy/: up to date with specs/etl.yaml`)
	runHook("meshbatch-lint", nil, []string{"specs/etl.yaml", "deploy/job-batch-etl.yaml"}).want(t, exitOK)
	runHook("meshbatch-lint-all", nil, nil).want(t, exitOK)

	// The spec changes and its manifests are not regenerated: the commit
	// is refused, with the diff.
	spec, err := os.ReadFile(filepath.Join(dir, "specs", "etl.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "specs", "etl.yaml"), []byte(strings.Replace(string(spec), "etl:1.4.2", "etl:1.5.0", 1)))
	runHook("meshbatch-generate-check", specArgs, []string{"specs/etl.yaml"}).want(t, exitFindings,
		`^\+          image: registry.example.com/etl:1.5.0$`, `stderr:^deploy/: out of date with specs/etl.yaml: 1 of`)
	// A broken spec: the lint hook reports it as generate would.
	writeFile(t, filepath.Join(dir, "specs", "etl.yaml"), []byte(strings.Replace(string(spec), "image:", "imgae:", 1)))
	runHook("meshbatch-lint", nil, []string{"specs/etl.yaml"}).want(t, exitFindings, `unknown field "spec.imgae"; did you mean "image"\?`)
	// Without args the spec hook says what it needs.
	runHook("meshbatch-generate-check", nil, nil).want(t, exitUsage, `stderr:pass the job spec with -f`)
}

// identifyTags are the tags pre-commit's identify library gives a regular,
// non-executable text file, from its name: "yaml" for the extensions it
// knows as YAML, nothing more for a name it does not know (.tpl,
// Kustomization), whose content it then finds to be text.
func identifyTags(name string) []string {
	tags := []string{"file", "non-executable", "text"}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		tags = append(tags, "yaml")
	case ".json":
		tags = append(tags, "json")
	}
	return tags
}

// selects is whether pre-commit runs hook h on a changed file: files
// matches the path (re.search), the file has every tag of types.
func (h hook) selects(t *testing.T, path string) bool {
	t.Helper()
	if h.Files != "" {
		re, err := regexp.Compile(h.Files)
		if err != nil {
			t.Fatalf("%s: files: %v", h.ID, err)
		}
		if !re.MatchString(path) {
			return false
		}
	}
	tags := identifyTags(path)
	for _, want := range h.Types {
		if !slices.Contains(tags, want) {
			return false
		}
	}
	return true
}

// TestPreCommitHookFiles: the lint hooks run when a chart's template
// helpers (.tpl), its values.schema.json or a kustomization named
// Kustomization changes alone, none of which pre-commit tags as YAML; the
// generate --check hooks, about job specs, on YAML only. Nothing else
// (a README, a script) runs them.
func TestPreCommitHookFiles(t *testing.T) {
	hooks := readHooks(t)
	lintFiles := []string{"deploy/job.yaml", "deploy/job.yml", "charts/etl/templates/_helpers.tpl",
		"charts/etl/values.schema.json", "overlays/prod/Kustomization", "charts/etl/Chart.yaml"}
	yamlOnly := []string{"deploy/job.yaml", "deploy/job.yml", "charts/etl/Chart.yaml"}
	others := []string{"README.md", "hack/e2e.sh", "charts/etl/templates/NOTES.txt", "deploy/job.json", "MyKustomization.txt"}
	for id, runs := range map[string][]string{
		"meshbatch-lint": lintFiles, "meshbatch-lint-system": lintFiles, "meshbatch-lint-all": lintFiles,
		"meshbatch-generate-check": yamlOnly, "meshbatch-generate-check-system": yamlOnly,
	} {
		h := hooks[id]
		for _, f := range runs {
			if !h.selects(t, f) {
				t.Errorf("%s does not run when %s changes", id, f)
			}
		}
		for _, f := range append(others, lintFiles...) {
			if !slices.Contains(runs, f) && h.selects(t, f) {
				t.Errorf("%s runs when %s changes", id, f)
			}
		}
	}
}

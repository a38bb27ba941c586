package main

import (
	"os"
	"path/filepath"
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
		if !strings.HasPrefix(h.Entry, "meshbatch ") || !h.RequireSerial || !slices.Equal(h.Types, []string{"yaml"}) {
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

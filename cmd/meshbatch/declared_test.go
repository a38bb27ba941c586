package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestSpecFactsReachPrecommit is the case of issue 17: a commit removes
// the quit call from a generated CronJob's classic sidecar, and the
// pre-commit hook lints that one file without flags. The facts the spec
// declared (Istio 1.22, Kubernetes 1.28) travel in the
// meshbatch.dev/facts annotation, so the hook fails it as linting with
// the spec's versions does, where it used to pass with an "assumed"
// warning.
func TestSpecFactsReachPrecommit(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	spec := "../../examples/billing-export-classic.yaml"
	if code := run(context.Background(), []string{"generate", "-f", spec, "-o", dir}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("generate: exit %d\n%s", code, stderr.String())
	}
	file := filepath.Join(dir, "cronjob-billing-invoice-export.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	wrapper := regexp.MustCompile(`(?s)\n +command:\n.*?- meshbatch-wrapper\n`)
	if !wrapper.Match(data) || !strings.Contains(string(data), "meshbatch.dev/facts") {
		t.Fatalf("the generated CronJob has no wrapper or no facts annotation:\n%s", data)
	}
	if err := os.WriteFile(file, wrapper.ReplaceAll(data, []byte("\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	hook := lintVerdicts(t, "--partial", "--skip-non-manifests", file)
	if want := []string{"MB101 error CronJob billing/invoice-export"}; !slices.Equal(hook, want) {
		t.Errorf("the pre-commit lint of the edited file: %q, want %q", hook, want)
	}
	withFlags := lintVerdicts(t, "--partial", "--istio-version", "1.22", "--kubernetes-version", "1.28", file)
	if !slices.Equal(hook, withFlags) {
		t.Errorf("without flags %q, with the spec's versions as flags %q: they must agree", hook, withFlags)
	}
}

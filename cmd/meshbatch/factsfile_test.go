package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLintWithClusterFacts lints each test cluster's lint.yaml with its
// facts file (pkg/clusterfacts/testdata/*/want.yaml, what meshbatch facts
// reads from that cluster) and compares the lifecycle verdicts (MB101)
// with lint.want. The e2e tests run the same check on the file a real API
// server gave.
func TestLintWithClusterFacts(t *testing.T) {
	dirs, _ := filepath.Glob("../../pkg/clusterfacts/testdata/*/lint.want")
	if len(dirs) < 5 {
		t.Fatalf("want the five test clusters, found %v", dirs)
	}
	for _, w := range dirs {
		dir := filepath.Dir(w)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := lintVerdicts(t, "--facts", filepath.Join(dir, "want.yaml"), filepath.Join(dir, "lint.yaml"))
			if want := readVerdicts(t, w); !slices.Equal(got, want) {
				t.Errorf("MB101 verdicts:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// lintVerdicts runs lint with JSON output and returns its MB101 findings
// as "MB101 error CronJob ns/name", sorted.
func lintVerdicts(t *testing.T, args ...string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append([]string{"lint", "--no-config", "-f", "json", "--fail-on", "none"}, args...)
	if code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("meshbatch %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	var rep struct {
		Findings []struct {
			RuleID, Severity string
			Object           struct{ Kind, Namespace, Name string }
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range rep.Findings {
		if f.RuleID == "MB101" {
			out = append(out, fmt.Sprintf("%s %s %s %s/%s", f.RuleID, f.Severity, f.Object.Kind, f.Object.Namespace, f.Object.Name))
		}
	}
	slices.Sort(out)
	return out
}

// readVerdicts reads a lint.want: one verdict a line, "-" for none,
// comments with #.
func readVerdicts(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "-" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// TestFactsFilePrecedence: a fact set by flag, variable or facts: wins
// over the facts file, at the top and in the revisions; the config's
// factsFile is relative to the config file.
func TestFactsFilePrecedence(t *testing.T) {
	dir := t.TempDir()
	facts := `facts:
  istioVersion: "1.28"
  kubernetesVersion: "1.33"
  kubeletVersion: "1.33"
  nativeSidecars: auto
revisions:
  old:
    facts: {istioVersion: "1.22", nativeSidecars: "false"}
  new: {}
namespaces:
  legacy: {injection: sidecar, revision: old}
  batch: {injection: sidecar, revision: new}
`
	if err := os.MkdirAll(filepath.Join(dir, "cluster"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ff := write("cluster/facts.yaml", facts)
	input := write("jobs.yaml", `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: legacy}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: etl, image: x}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: etl, image: x}]
`)
	legacy, batch := "MB101 error Job legacy/etl", "MB101 error Job batch/etl"
	if got := lintVerdicts(t, "--facts", ff, input); !slices.Equal(got, []string{legacy}) {
		t.Errorf("with the facts file: %q, want only %q (batch gets native sidecars from revision new)", got, legacy)
	}
	if got := lintVerdicts(t, "--facts", ff, "--native-sidecars", "false", input); !slices.Equal(got, []string{batch, legacy}) {
		t.Errorf("--native-sidecars false over the file: %q, want both", got)
	}
	t.Setenv("MESHBATCH_NATIVE_SIDECARS", "true")
	if got := lintVerdicts(t, "--facts", ff, input); len(got) != 0 {
		t.Errorf("MESHBATCH_NATIVE_SIDECARS=true over the file, also in revision old: %q, want none", got)
	}
	os.Unsetenv("MESHBATCH_NATIVE_SIDECARS")
	cfg := write(".meshbatch.yaml", "factsFile: cluster/facts.yaml\nfacts:\n  nativeSidecars: \"false\"\n")
	var stdout, stderr bytes.Buffer
	args := []string{"lint", "--config", cfg, "-f", "json", "--fail-on", "none", input}
	if code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), `"ruleId": "MB101"`) + strings.Count(stdout.String(), `"ruleId":"MB101"`); n != 2 {
		t.Errorf("factsFile in the config with facts.nativeSidecars false: %d MB101 findings, want 2\n%s", n, stdout.String())
	}
	// A broken facts file is a usage error naming file:line.
	bad := write("bad.yaml", "facts:\n  istioVersion: one\n")
	stderr.Reset()
	if code := run(context.Background(), []string{"lint", "--no-config", "--facts", bad, input}, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
		t.Errorf("a bad facts file: exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr.String(), "bad.yaml:2:3: facts.istioVersion:") {
		t.Errorf("stderr does not name the bad line: %s", stderr.String())
	}
}

// TestFixSaysGivenFactsOverride: fix says, as lint does, when a fact
// given on the command line overrides the facts file's: MB101's fix is
// chosen by it.
func TestFixSaysGivenFactsOverride(t *testing.T) {
	dir := t.TempDir()
	ff := filepath.Join(dir, "facts.yaml")
	if err := os.WriteFile(ff, []byte("facts:\n  istioVersion: \"1.22\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	job := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(job, []byte("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: etl, namespace: batch}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, stderr := runMeshbatch(t, "fix", "--no-config", "--facts", ff, "--istio-version", "1.28", job)
	if want := `meshbatch: fact istioVersion: "1.28" from --istio-version wins over "1.22" from ` + ff; !strings.Contains(stderr, want) {
		t.Errorf("stderr:\n%s\nwant %q", stderr, want)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateExitCodes runs the real command for the exit codes the
// scripts cannot tell apart ("! exec" only means non-zero): 1 is kept for
// an out-of-date --check, 2 for everything the user must fix.
func TestGenerateExitCodes(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "etl.yaml")
	good := "apiVersion: meshbatch.dev/v1alpha1\nkind: BatchJob\nmetadata: {name: etl, namespace: batch}\n" +
		"spec:\n  image: etl:1\n  command: [/etl]\n  mesh: {dataplane: sidecar}\n"
	write := func(path, data string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(spec, good)
	out := filepath.Join(dir, "deploy")
	code := func(args ...string) int {
		t.Helper()
		var stdout, stderr bytes.Buffer
		return run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	}

	if c := code("generate", "-f", spec); c != exitOK {
		t.Errorf("stdout: exit %d, want %d", c, exitOK)
	}
	if c := code("generate", "-f", spec, "-o", out, "--check"); c != exitFindings {
		t.Errorf("--check of a missing directory: exit %d, want %d", c, exitFindings)
	}
	if c := code("generate", "-f", spec, "-o", out); c != exitOK {
		t.Errorf("-o: exit %d, want %d", c, exitOK)
	}
	if c := code("generate", "-f", spec, "-o", out, "--check"); c != exitOK {
		t.Errorf("--check when up to date: exit %d, want %d", c, exitOK)
	}
	write(spec, strings.Replace(good, "etl:1", "etl:2", 1))
	if c := code("generate", "-f", spec, "-o", out, "--check"); c != exitFindings {
		t.Errorf("--check when out of date: exit %d, want %d", c, exitFindings)
	}
	write(spec, strings.Replace(good, "image: etl:1", "imagee: etl:1", 1))
	if c := code("generate", "-f", spec, "-o", out, "--check"); c != exitUsage {
		t.Errorf("--check of a bad spec: exit %d, want %d", c, exitUsage)
	}
	if c := code("generate", "-f", spec); c != exitUsage {
		t.Errorf("bad spec: exit %d, want %d", c, exitUsage)
	}
	if c := code("generate"); c != exitUsage {
		t.Errorf("no -f: exit %d, want %d", c, exitUsage)
	}
	if c := code("generate", "-f", filepath.Join(dir, "missing.yaml")); c != exitUsage {
		t.Errorf("missing spec: exit %d, want %d", c, exitUsage)
	}
}

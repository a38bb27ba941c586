package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestNoClientGo keeps client-go out of meshbatch: its API scheme and
// auth plugins cost milliseconds at every start of every command (see
// docs/performance.md, "Cold start"); only meshbatch-facts links it.
func TestNoClientGo(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list -deps found %d packages; is this the meshbatch command?", len(deps))
	}
	for _, p := range deps {
		if strings.HasPrefix(p, "k8s.io/client-go/") {
			t.Errorf("meshbatch imports %s: cluster access belongs in cmd/meshbatch-facts", p)
		}
	}
}

// TestFactsWithoutHelper: without meshbatch-facts next to meshbatch or on
// PATH, facts says how to install it and exits 2.
func TestFactsWithoutHelper(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"facts"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr.String(), "go install github.com/meshbatch/meshbatch/cmd/meshbatch-facts@") {
		t.Errorf("stderr does not say how to install meshbatch-facts:\n%s", stderr.String())
	}
}

// TestFactsRunsHelper: facts runs meshbatch-facts from PATH with the
// flags it was given, its output and exit code passed through.
func TestFactsRunsHelper(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in helper is a shell script")
	}
	dir := t.TempDir()
	script := "#!/bin/sh\necho \"args: $*\"\necho \"a note\" >&2\nexit 2\n"
	if err := os.WriteFile(filepath.Join(dir, "meshbatch-facts"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"facts", "--context", "prod", "--kubeconfig", "k.yaml", "-o", "f.yaml"},
		strings.NewReader(""), &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit %d, want the helper's 2", code)
	}
	if got := stdout.String(); got != "args: --kubeconfig k.yaml --context prod --output f.yaml\n" {
		t.Errorf("stdout = %q", got)
	}
	if got := stderr.String(); got != "a note\n" {
		t.Errorf("stderr = %q: meshbatch adds nothing to the helper's own messages", got)
	}
}

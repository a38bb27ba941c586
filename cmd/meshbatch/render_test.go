package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
)

// TestNoHelmOrKustomize keeps Helm and Kustomize out of meshbatch: their
// package initialisation (and the client-go Helm brings) would cost
// every command at start; lint runs meshbatch-render for them, only when
// its input holds a chart or a kustomization.
func TestNoHelmOrKustomize(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "helm.sh/") || strings.HasPrefix(p, "sigs.k8s.io/kustomize/") {
			t.Errorf("meshbatch imports %s: rendering belongs in cmd/meshbatch-render", p)
		}
	}
}

// TestRenderWithoutHelper: a chart in the input without meshbatch-render
// to render it is an input error (exit 2) that says how to install it;
// plain files are linted as before.
func TestRenderWithoutHelper(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"lint", "--no-config", "../../pkg/lint/testdata/render/charts/etl"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr.String(), "go install github.com/meshbatch/meshbatch/cmd/meshbatch-render@") {
		t.Errorf("stderr does not say how to install meshbatch-render:\n%s", stderr.String())
	}
}

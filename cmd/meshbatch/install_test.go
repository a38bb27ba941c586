package main

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOnlyMeshbatchIsInstalled: pre-commit builds a golang hook with
// `go install ./...` at the repository root (pre_commit/languages/golang.py),
// so the module's commands must be meshbatch, meshbatch-facts, which
// `meshbatch facts` runs, and meshbatch-render, which lint runs for charts
// and Kustomize directories; the benchmark helpers live in the hack/ module.
func TestOnlyMeshbatchIsInstalled(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(goCmd, "list", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	got := slices.DeleteFunc(strings.Split(string(out), "\n"), func(s string) bool { return s == "" })
	if want := []string{"github.com/meshbatch/meshbatch/cmd/meshbatch", "github.com/meshbatch/meshbatch/cmd/meshbatch-facts", "github.com/meshbatch/meshbatch/cmd/meshbatch-render"}; !slices.Equal(got, want) {
		t.Errorf("go install ./... at the repository root installs %v, want %v", got, want)
	}
}

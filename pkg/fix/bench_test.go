package fix_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/fix"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/render/engine"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// BenchmarkRunWithRenders fixes a directory that holds a Helm chart and
// Kustomize overlays beside a plain file whose fixes take three rounds:
// the rounds lint the plain file again, and the renders with it.
func BenchmarkRunWithRenders(b *testing.B) {
	dir := b.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "overlays"), os.DirFS("../lint/testdata/render/overlays")); err != nil {
		b.Fatal(err)
	}
	chart := filepath.Join(dir, "chart")
	if err := os.MkdirAll(chart, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.CopyFS(chart, os.DirFS("../lint/testdata/render/charts/report")); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile("testdata/rounds.yaml")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rounds.yaml"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	facts, err := lint.RawFacts{IstioVersion: "1.22", KubeletVersion: "1.30"}.Parse()
	if err != nil {
		b.Fatal(err)
	}
	opts := fix.Options{Lint: lint.Options{Facts: facts, Render: lint.RenderOptions{Renderer: engine.Engine{}}}, FailOn: rules.Error}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := fix.Run(context.Background(), []string{dir}, opts)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Applied == 0 || rep.Rendered == 0 {
			b.Fatalf("applied %d, rendered %d: want fixes and rendered findings", rep.Applied, rep.Rendered)
		}
	}
}

package generate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestGeneratedOutputLintsClean is the contract between the two halves of
// meshbatch: whatever generate writes, lint accepts, with the cluster
// facts the spec declared. It covers every golden case and every example.
func TestGeneratedOutputLintsClean(t *testing.T) {
	dirs := goldenCases(t, "testdata")
	examples, err := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples found (%v)", err)
	}
	type input struct{ name, spec string }
	var inputs []input
	for _, d := range dirs {
		inputs = append(inputs, input{filepath.Base(d), filepath.Join(d, "spec.yaml")})
	}
	for _, e := range examples {
		inputs = append(inputs, input{"examples/" + filepath.Base(e), e})
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			data, err := os.ReadFile(in.spec)
			if err != nil {
				t.Fatal(err)
			}
			job, err := Load("spec.yaml", data)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Render(job.Source, Generate(job))
			if err != nil {
				t.Fatal(err)
			}
			manifests := filepath.Join(t.TempDir(), "generated.yaml")
			if err := os.WriteFile(manifests, out, 0o644); err != nil {
				t.Fatal(err)
			}
			facts := mesh.Facts{
				IstioVersion:      job.IstioVersion,
				KubernetesVersion: job.KubernetesVersion,
				KubeletVersion:    job.KubeletVersion,
				TrustDomain:       job.TrustDomain,
			}
			res, err := lint.Run(context.Background(), []string{manifests}, lint.Options{Facts: facts})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.InputErrors) > 0 {
				t.Fatalf("lint could not read the output: %v", res.InputErrors)
			}
			var bad []string
			for f := range res.Findings.All() {
				if f.Severity >= rules.Warning {
					bad = append(bad, fmt.Sprintf("%d: %s %s %s (%s): %s", f.Line, f.Severity, f.RuleID, f.Slug, f.Object, f.Message))
				}
			}
			if len(bad) > 0 {
				t.Errorf("lint (facts: Istio %s, Kubernetes %s) reports on generated output:\n%s",
					job.IstioVersion, job.KubernetesVersion, strings.Join(bad, "\n"))
			}
		})
	}
}

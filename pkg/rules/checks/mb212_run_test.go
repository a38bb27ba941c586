package checks_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestMB212Patch: the interface lists are checked from 1.27.6 and 1.28.4;
// without the patch 1.28 "may accept" a bad list, at 1.28.3 it accepts
// it, at 1.28.4 it refuses it.
func TestMB212Patch(t *testing.T) {
	file := filepath.Join("testdata", "MB212", "bad_istio_1_28_3.yaml")
	for _, tc := range []struct {
		version  string
		severity rules.Severity
		says     string
	}{
		{"1.28", rules.Warning, "istiod 1.28 may accept it"},
		{"1.28.3", rules.Warning, "istiod 1.28.3 accepts it"},
		{"1.28.4", rules.Error, "the sidecar injector refuses the annotation traffic.sidecar.istio.io/excludeInterfaces"},
		{"1.27.5", rules.Warning, "istiod 1.27.5 accepts it"},
		{"1.27.6", rules.Error, "the sidecar injector refuses"},
		{"1.26.9", rules.Warning, "istiod 1.26.9 accepts it"},
		{"1.29.0", rules.Error, "the sidecar injector refuses"},
	} {
		v, err := mesh.ParseVersion(tc.version)
		if err != nil {
			t.Fatal(err)
		}
		res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: []*rules.Rule{checks.InjectorAnnotationInvalid},
			Facts: mesh.Facts{IstioVersion: v}, Now: ruletest.Now})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for f := range res.Findings.All() {
			n++
			if f.Severity != tc.severity || !strings.Contains(f.Message, tc.says) {
				t.Errorf("Istio %s: %s %s\nwant %s saying %q", tc.version, f.Severity, f.Message, tc.severity, tc.says)
			}
		}
		if n != 1 {
			t.Errorf("Istio %s: %d findings, want 1", tc.version, n)
		}
	}
}

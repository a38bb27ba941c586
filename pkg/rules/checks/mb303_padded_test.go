package checks_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestPaddedQuantityPerMinor: when --istio-version names a minor, MB303
// says what that minor does with spaces around a quantity: 1.26 takes
// them, 1.27 and 1.28 take them before a patch release and refuse them
// from it on, 1.29 refuses them. A version with the patch settles it.
func TestPaddedQuantityPerMinor(t *testing.T) {
	file := filepath.Join("testdata", "MB303", "bad_padded_patch_istio.yaml")
	for _, tc := range []struct {
		istio    string
		severity rules.Severity
		want     []string
		not      []string
	}{
		{"1.26", rules.Warning, []string{"istiod 1.26 accepts it", "before 1.27.6, 1.28.4 and 1.29", "once upgraded"}, []string{"patch"}},
		{"1.27", rules.Warning, []string{"istiod 1.27 accepts it before 1.27.6", "refuses it from 1.27.6 on", "depends on the patch release"}, []string{"1.28.4"}},
		{"1.28", rules.Warning, []string{"istiod 1.28 accepts it before 1.28.4", "refuses it from 1.28.4 on", "depends on the patch release"}, []string{"1.27.6"}},
		{"1.29", rules.Error, []string{"not a Kubernetes quantity (the spaces around it)"}, []string{"accepts"}},
		// the patch settles it
		{"1.28.3", rules.Warning, []string{"istiod 1.28.3 accepts it", "before 1.27.6, 1.28.4 and 1.29", "once upgraded"}, []string{"depends on the patch"}},
		{"1.28.4", rules.Error, []string{"not a Kubernetes quantity (the spaces around it)"}, []string{"accepts", "pass --istio-version"}},
		{"1.27.5", rules.Warning, []string{"istiod 1.27.5 accepts it", "once upgraded"}, []string{"depends on the patch"}},
		{"1.27.6", rules.Error, []string{"not a Kubernetes quantity (the spaces around it)"}, []string{"accepts"}},
		{"1.26.9", rules.Warning, []string{"istiod 1.26.9 accepts it", "once upgraded"}, []string{"depends on the patch"}},
	} {
		facts, err := lint.RawFacts{IstioVersion: tc.istio}.Parse()
		if err != nil {
			t.Fatal(err)
		}
		res, err := lint.Run(context.Background(), []string{file},
			lint.Options{Facts: facts, Rules: []*rules.Rule{checks.ProxyResourcesInvalid}, Now: ruletest.Now})
		if err != nil {
			t.Fatal(err)
		}
		found := slices.Collect(res.Findings.All())
		if len(found) != 1 {
			t.Errorf("Istio %s: %d findings, want 1:\n%s", tc.istio, len(found), ruletest.Messages(res))
			continue
		}
		f := found[0]
		if f.Severity != tc.severity {
			t.Errorf("Istio %s: severity %s, want %s", tc.istio, f.Severity, tc.severity)
		}
		for _, s := range tc.want {
			if !strings.Contains(f.Message, s) {
				t.Errorf("Istio %s: %s\nwant it to contain %q", tc.istio, f.Message, s)
			}
		}
		for _, s := range tc.not {
			if strings.Contains(f.Message, s) {
				t.Errorf("Istio %s: %s\nwant it not to contain %q", tc.istio, f.Message, s)
			}
		}
	}
}

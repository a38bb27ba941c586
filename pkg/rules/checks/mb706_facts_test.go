package checks_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestRootCAExpiringFromFacts: without an istio-ca-root-cert ConfigMap in
// the input, MB706 judges a running Job's deadline against the root's
// expiry that `meshbatch facts` read, and only then.
func TestRootCAExpiringFromFacts(t *testing.T) {
	file := filepath.Join("testdata", "MB706", "good_job_no_root.yaml") // deadline ends 2026-07-30
	for _, tc := range []struct {
		expiry time.Time
		want   int
	}{
		{time.Time{}, 0},
		{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), 1},
		{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	} {
		for _, mode := range ruletest.Modes {
			opts := lint.Options{Rules: []*rules.Rule{checks.RootCAExpiring}, Now: ruletest.Now, Residency: mode.Residency}
			opts.Facts.RootCertExpiry = tc.expiry
			res, err := lint.Run(context.Background(), []string{file}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Findings.Len() != tc.want {
				t.Fatalf("expiry %s (%s): %d findings, want %d:\n%s", tc.expiry, mode.Name, res.Findings.Len(), tc.want, ruletest.Messages(res))
			}
			for f := range res.Findings.All() {
				if !strings.Contains(f.Message, "as `meshbatch facts` read it") || !strings.Contains(f.Message, "2026-07-01") {
					t.Errorf("the message does not say where the expiry comes from, or its date: %s", f.Message)
				}
			}
		}
	}
}

package checks_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestSETCPNoAddressPartial holds MB602 to its partial-mode promise: an
// entry that no workload with a sidecar in the input imports is not
// reported, since its clients may be outside the input, and the summary
// counts it as a check silenced by partial input. Outside partial mode such
// an entry is reported when it is exported beyond the input, and nothing
// is counted.
func TestSETCPNoAddressPartial(t *testing.T) {
	for _, tc := range []struct {
		file     string
		partial  bool
		findings int
		silenced int
	}{
		{"good_partial.yaml", true, 0, 1},
		{"good_partial.yaml", false, 0, 0},
		{"bad_exported_beyond.yaml", true, 0, 2},  // no client in the input: its clients may be elsewhere
		{"bad_exported_beyond.yaml", false, 2, 0}, // exported beyond the input
		{"good_ambient.yaml", true, 0, 3},         // ambient Jobs are not sidecar clients
		{"good_ambient.yaml", false, 0, 0},
		{"good_mesh_wide.yaml", true, 0, 0}, // decided by --dns-auto-allocate=true
		{"bad.yaml", true, 3, 0},            // every entry has a sidecar client
	} {
		opts := lint.Options{Partial: tc.partial, Rules: []*rules.Rule{checks.SETCPNoAddress}}
		if tc.file == "good_mesh_wide.yaml" {
			opts.Facts.DNSAutoAllocate = "true"
		}
		res, err := lint.Run(context.Background(), []string{filepath.Join("testdata", "MB602", tc.file)}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Findings.Len() != tc.findings || res.Stats.Silenced != tc.silenced || res.Stats.SilencedByRule["MB602"] != tc.silenced {
			t.Errorf("%s partial=%v: %d findings, silenced %d %v; want %d findings, %d silenced",
				tc.file, tc.partial, res.Findings.Len(), res.Stats.Silenced, res.Stats.SilencedByRule, tc.findings, tc.silenced)
		}
	}
}

package checks_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestMB002LeavesToRulesThatRun: the rejections MB503, MB509 and MB611
// explain are theirs when they run with MB002, and MB002's when they do
// not (bad_others_not_run.yaml, run alone).
func TestMB002LeavesToRulesThatRun(t *testing.T) {
	file := filepath.Join("testdata", "MB002", "bad_others_not_run.yaml")
	rs := []*rules.Rule{checks.IstioValidationRejects, checks.PAPortLevelMTLS, checks.APServiceAccountsCompat, checks.TLSMaterialMismatch}
	res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: rs, Now: ruletest.Now})
	if err != nil {
		t.Fatal(err)
	}
	others := map[string]int{}
	for f := range res.Findings.All() {
		others[f.RuleID]++
		if f.RuleID == "MB002" {
			t.Errorf("%s:%d: MB002 reports what another rule of the run reports: %s", f.File, f.Line, f.Message)
		}
	}
	for _, id := range []string{"MB503", "MB509", "MB611"} {
		if others[id] == 0 {
			t.Errorf("%s found nothing in %s: the case MB002 leaves to it is not reported at all (findings by rule: %v)", id, file, others)
		}
	}
}

// TestMB002LeavesUnknownServiceAccountsToMB509: on Istio before 1.25 the
// CRD's unknown-field error for serviceAccounts is MB509's when it runs,
// not a second error at the same field; alone, MB002 reports it.
func TestMB002LeavesUnknownServiceAccountsToMB509(t *testing.T) {
	file := filepath.Join("testdata", "MB509", "bad_old_istio.yaml")
	facts := mesh.Facts{IstioVersion: mesh.Version{Major: 1, Minor: 24}}
	for _, tc := range []struct {
		rules  []*rules.Rule
		wantAt int // MB002 findings at a serviceAccounts field
	}{
		{[]*rules.Rule{checks.IstioValidationRejects, checks.APServiceAccountsCompat}, 0},
		{[]*rules.Rule{checks.IstioValidationRejects}, 2},
	} {
		res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: tc.rules, Facts: facts, Now: ruletest.Now})
		if err != nil {
			t.Fatal(err)
		}
		at := 0
		for f := range res.Findings.All() {
			if f.RuleID == "MB002" && strings.HasSuffix(f.FieldPath, ".serviceAccounts") {
				at++
			}
		}
		if at != tc.wantAt {
			t.Errorf("with %d rules: %d MB002 findings at serviceAccounts, want %d", len(tc.rules), at, tc.wantAt)
		}
	}
}

// TestMB002OnLiveObjects: an object read from a cluster is stored, so
// MB002 does not say that applying it fails to store it.
func TestMB002OnLiveObjects(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("testdata", "MB002", "bad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sent := false
	src := &lint.LiveSource{Context: "prod", SpoolDir: t.TempDir(), Next: func([]byte) ([]byte, error) {
		if sent {
			return nil, io.EOF
		}
		sent = true
		return doc, nil
	}}
	res, err := lint.Run(context.Background(), nil, lint.Options{Rules: []*rules.Rule{checks.IstioValidationRejects}, Live: src, Now: ruletest.Now})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for f := range res.Findings.All() {
		if f.Severity != rules.Error {
			continue
		}
		n++
		if strings.Contains(f.Message, "never stored") || !strings.Contains(f.Message, "it is stored") {
			t.Errorf("live %s %s: %s", f.Object.Kind, f.Object.Name, f.Message)
		}
	}
	if n == 0 {
		t.Fatalf("no error on the live objects of bad.yaml (stats %+v)", res.Stats)
	}
}

// TestMB002OlderIstio: with the facts' Istio version MB002 speaks for that
// release's webhook, and where the release is older than any it knows,
// it does not claim the webhook rejects the object, and warns. (The
// releases' differences are pinned by testdata/MB002/*istio_1_*.yaml and
// pkg/istiovalid's TestReleaseGates.)
func TestMB002OlderIstio(t *testing.T) {
	file := filepath.Join("testdata", "MB002", "bad.yaml")
	for _, tc := range []struct {
		v        mesh.Version
		want     []string
		wantNot  string
		severity rules.Severity
	}{
		{mesh.Version{Major: 1, Minor: 28}, []string{"istiod 1.28's validating webhook rejects it",
			"kubectl apply fails and the object is never stored"}, "may fail", rules.Error},
		{mesh.Version{Major: 1, Minor: 20}, []string{"Istio 1.22's validation (the oldest meshbatch knows; istiod 1.20 may differ) rejects it",
			"kubectl apply fails if istiod 1.20 makes the check"}, "never stored", rules.Warning},
		// 1.0: minor 0 must not read as "unknown", which is 1.31
		{mesh.Version{Major: 1, Minor: 0}, []string{"Istio 1.22's validation (the oldest meshbatch knows; istiod 1.0 may differ) rejects it",
			"kubectl apply fails if istiod 1.0 makes the check"}, "never stored", rules.Warning},
		{mesh.Version{Major: 1, Minor: 31}, []string{"istiod 1.31's validating webhook rejects it",
			"kubectl apply fails and the object is never stored"}, "may fail", rules.Error},
		{mesh.Version{}, []string{"Istio's validating webhook (as of 1.31) rejects it",
			"kubectl apply fails and the object is never stored"}, "may fail", rules.Error},
	} {
		res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: []*rules.Rule{checks.IstioValidationRejects},
			Facts: mesh.Facts{IstioVersion: tc.v}, Now: ruletest.Now})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for f := range res.Findings.All() {
			if !strings.Contains(f.Message, "rejects it") {
				continue // Istio's warnings
			}
			n++
			if f.Severity != tc.severity {
				t.Errorf("Istio %s: %s:%d: severity %s, want %s", tc.v, f.File, f.Line, f.Severity, tc.severity)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Message, w) {
					t.Errorf("Istio %s: %s:%d: %s\nwant it to say %q", tc.v, f.File, f.Line, f.Message, w)
				}
			}
			if strings.Contains(f.Message, tc.wantNot) {
				t.Errorf("Istio %s: %s:%d: %s\nwant it not to say %q", tc.v, f.File, f.Line, f.Message, tc.wantNot)
			}
		}
		if n == 0 {
			t.Errorf("Istio %s: no rejection in %s", tc.v, file)
		}
	}
}

// TestMB002ReleaseWording: under istiod 1.24 a check of newer releases
// names them and the upgrade, one of some 1.24 patches names the patches,
// and a field the 1.24 CRD lacks says the API server drops it.
func TestMB002ReleaseWording(t *testing.T) {
	file := filepath.Join("testdata", "MB002", "bad_istio_1_24.yaml")
	res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: []*rules.Rule{checks.IstioValidationRejects},
		Facts: mesh.Facts{IstioVersion: mesh.Version{Major: 1, Minor: 24}}, Now: ruletest.Now})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		`metadata.annotations["internal.istio.io/parents"]`: {"newer Istio's validating webhook (from 1.27) rejects it",
			"istiod 1.24 accepts it, but kubectl apply will fail after an upgrade"},
		"spec.trafficPolicy.connectionPool.tcp.idleTimeout": {"istiod 1.24's validating webhook rejects it in patches before 1.24.4",
			"kubectl apply fails on those patches"},
		"spec.trafficPolicy.retryBudget": {"the API server (Istio 1.24's CRDs) rejects it: unknown field", "(it comes in 1.27)"},
		"spec.trafficPolicy.loadBalancer.warmup.aggression": {"istiod 1.24's validating webhook rejects it: aggression should be greater than or equal to 1",
			"kubectl apply fails and the object is never stored"},
	}
	seen := map[string]bool{}
	for f := range res.Findings.All() {
		ws, ok := want[f.FieldPath]
		if !ok {
			continue
		}
		seen[f.FieldPath] = true
		for _, w := range ws {
			if !strings.Contains(f.Message, w) {
				t.Errorf("%s:%d (%s): %s\nwant it to say %q", f.File, f.Line, f.FieldPath, f.Message, w)
			}
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("no finding at %s", p)
		}
	}
}

// TestMB002KnownPatch: with the patch in the facts, what only some patches
// of the minor reject is an error at a patch that rejects it and no error
// at one that does not, with no "in patches" hedging; a rejection of later
// patches of the same minor is named as an upgrade.
func TestMB002KnownPatch(t *testing.T) {
	type want struct {
		severity rules.Severity
		says     []string
	}
	for _, tc := range []struct {
		version string
		file    string
		want    map[string]want // by field
	}{
		{"1.24.2", "bad_istio_1_24_2.yaml", map[string]want{
			"spec.trafficPolicy.connectionPool.tcp.idleTimeout": {rules.Error, []string{
				"istiod 1.24.2's validating webhook rejects it: duration must be greater than 1ms",
				"kubectl apply fails and the object is never stored"}},
			"spec.rules[0].to[0].operation.paths": {rules.Warning, []string{
				"newer Istio's validating webhook (1.24 in patches from 1.24.3, from 1.25) rejects it",
				"istiod 1.24.2 accepts it, but kubectl apply will fail after an upgrade"}},
		}},
		{"1.24.4", "bad_istio_1_24_4.yaml", map[string]want{
			"spec.rules[0].to[0].operation.paths": {rules.Error, []string{
				"istiod 1.24.4's validating webhook rejects it: invalid or unsupported path"}},
			"spec.trafficPolicy.connectionPool.tcp.idleTimeout": {rules.Warning, []string{
				"newer Istio's validating webhook (1.25 in patches before 1.25.1) rejects it",
				"istiod 1.24.4 accepts it"}},
		}},
	} {
		v, err := mesh.ParseVersion(tc.version)
		if err != nil {
			t.Fatal(err)
		}
		res, err := lint.Run(context.Background(), []string{filepath.Join("testdata", "MB002", tc.file)},
			lint.Options{Rules: []*rules.Rule{checks.IstioValidationRejects}, Facts: mesh.Facts{IstioVersion: v}, Now: ruletest.Now})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for f := range res.Findings.All() {
			w, ok := tc.want[f.FieldPath]
			if !ok {
				t.Errorf("Istio %s: unexpected finding at %s: %s", tc.version, f.FieldPath, f.Message)
				continue
			}
			seen[f.FieldPath] = true
			if f.Severity != w.severity {
				t.Errorf("Istio %s: %s: severity %s, want %s", tc.version, f.FieldPath, f.Severity, w.severity)
			}
			for _, s := range w.says {
				if !strings.Contains(f.Message, s) {
					t.Errorf("Istio %s: %s: %s\nwant it to say %q", tc.version, f.FieldPath, f.Message, s)
				}
			}
			if strings.Contains(f.Message, "facts give no patch") {
				t.Errorf("Istio %s: %s: %s\nsays the facts give no patch", tc.version, f.FieldPath, f.Message)
			}
		}
		for p := range tc.want {
			if !seen[p] {
				t.Errorf("Istio %s: no finding at %s", tc.version, p)
			}
		}
	}
}

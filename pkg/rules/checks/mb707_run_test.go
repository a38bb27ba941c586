package checks_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestMB707LeavesStuckPodsToMB701: a pod past its Job's deadline whose
// apps have all ended gets MB701's finding alone when both rules run.
func TestMB707LeavesStuckPodsToMB701(t *testing.T) {
	file := filepath.Join("testdata", "MB707", "bad_app_ended.yaml")
	rs := []*rules.Rule{checks.PodSidecarOutlivesApp, checks.JobPastDeadlineProxyRunning}
	res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: rs, Now: ruletest.Now})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	for f := range res.Findings.All() {
		by[f.RuleID]++
	}
	if by["MB701"] != 1 || by["MB707"] != 0 {
		t.Errorf("findings by rule %v: want MB701 once and no MB707", by)
	}
}

// TestMB707DeletingPodDueTime: a pod being deleted is reported against
// its deletionTimestamp, the time it is due to be gone, not as the time
// its deletion was asked for.
func TestMB707DeletingPodDueTime(t *testing.T) {
	file := filepath.Join("testdata", "MB707", "bad_deleting_past.yaml")
	res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: []*rules.Rule{checks.JobPastDeadlineProxyRunning}, Now: ruletest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() != 1 {
		t.Fatalf("%d findings, want 1:\n%s", res.Findings.Len(), ruletest.Messages(res))
	}
	for f := range res.Findings.All() {
		if !strings.Contains(f.Message, "due to be gone by 2026-06-01T11:58:30Z") || strings.Contains(f.Message, "requested at") {
			t.Errorf("the message does not give the deletionTimestamp as the time the pod is due to be gone: %s", f.Message)
		}
	}
}

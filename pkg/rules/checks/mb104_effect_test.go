package checks

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
)

// TestStallEffect holds MB104's wording to what the CronJob controller
// does: with a deadline shorter than the schedule's interval the CronJob
// does not stall, every run fails instead.
func TestStallEffect(t *testing.T) {
	deadline := func(s int64) *int64 { return &s }
	for _, tc := range []struct {
		policy   batchv1.ConcurrencyPolicy
		schedule string
		deadline *int64
		want     string
		not      string
	}{
		{batchv1.ForbidConcurrent, "@hourly", nil, "the CronJob stops running", ""},
		{batchv1.ForbidConcurrent, "@hourly", deadline(1800), "keeps running on schedule", "stops running"},
		{batchv1.ForbidConcurrent, "*/5 * * * *", deadline(1800), "start late or are skipped", "stops running"},
		{"", "*/5 * * * *", nil, "pile up", ""},
		{"", "*/5 * * * *", deadline(600), "overlap", "keeps running on schedule"},
		{"", "0 2 * * *", deadline(3600), "keeps running on schedule", "overlap"},
		{batchv1.ReplaceConcurrent, "0 * * * *", nil, "deleted when the next one starts", ""},
		{batchv1.ReplaceConcurrent, "0 * * * *", deadline(600), "keeps running on schedule", "deleted"},
		{batchv1.ForbidConcurrent, "@every 1h", deadline(600), "keeps running on schedule", "stops running"},
		{batchv1.ForbidConcurrent, "@every 5m", deadline(1800), "start late or are skipped", "stops running"},
	} {
		got := stallEffect(batchv1.CronJobSpec{Schedule: tc.schedule, ConcurrencyPolicy: tc.policy}, tc.deadline)
		if !strings.Contains(got, tc.want) || (tc.not != "" && strings.Contains(got, tc.not)) {
			var d any = "none"
			if tc.deadline != nil {
				d = *tc.deadline
			}
			t.Errorf("%s %q deadline %v: %q; want %q without %q", tc.policy, tc.schedule, d, got, tc.want, tc.not)
		}
	}
}

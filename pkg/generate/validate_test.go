package generate

import "testing"

// TestCheckSchedule: what the API server's cron parser accepts passes,
// and the usual mistakes are caught before apply time.
func TestCheckSchedule(t *testing.T) {
	for _, s := range []string{
		"0 2 * * *", "*/15 * * * *", "0 0 1 jan,jul *", "30 3 * * 1-5", "0 0 ? * MON", "0 9-17/2 * * mon-fri",
		"0 0 * * 6", "0 0 * * sun-sat", "@daily", "@hourly",
	} {
		if msg := checkSchedule(s); msg != "" {
			t.Errorf("%q: %s", s, msg)
		}
	}
	for s, want := range map[string]string{
		"0 24 * * *":            `has a bad hour "24": "24" is not a value from 0 to 23`,
		"5-1 * * * *":           `has a bad minute "5-1": range 5-1 ends before it starts`,
		"* * * * 8":             `has a bad day of week "8": "8" is not a value from 0 to 6`,
		"0 0 * * 7":             `has a bad day of week "7": "7" is not a value from 0 to 6`, // Kubernetes' parser has no 7 for Sunday
		"*/0 * * * *":           `has a bad minute "*/0": step "0" is not a positive number`,
		"0 0 * * * *":           "has 6 fields; a cron schedule has 5 (minute hour day-of-month month day-of-week)",
		"0 0 ? * *":             "",
		"? 0 * * *":             `has a bad minute "?": "?" is not a value from 0 to 59`,
		"@every 5m":             "is not a cron descriptor (@hourly, @daily, @weekly, @monthly, @yearly)",
		"CRON_TZ=UTC 0 0 * * *": "sets a time zone, which Kubernetes rejects in schedule; it has a timeZone field for that",
	} {
		if got := checkSchedule(s); got != want {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
	}
}

package checks

import (
	"testing"
	"time"
)

func TestScheduleShortestInterval(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		schedule string
		want     time.Duration // 0: not readable
	}{
		{"@hourly", time.Hour},
		{"@daily", day},
		{"@weekly", 7 * day},
		{"@monthly", 28 * day}, // February
		{"@yearly", 365 * day},
		{"*/5 * * * *", 5 * time.Minute},
		{"*/7 * * * *", 4 * time.Minute}, // :56 to the next hour's :00
		{"0 2 * * *", day},
		{"30 1,13 * * *", 12 * time.Hour},
		{"0 9-17 * * mon-fri", time.Hour},
		{"0 17 * * 1-5", day},
		{"0 0 * * 0,7", 0}, // Kubernetes' parser takes days of week 0 to 6 only, and the API server refuses 7
		{"0 0 1,15 * *", 14 * day},
		{"0 0 29 2 *", (366 + 365 + 365 + 365) * day},
		// day of month and day of week both restricted: either matches
		{"0 0 13 * 5", day}, // a Friday the 12th: Friday, then the 13th
		{"0 0 31 4 *", 0},   // never fires
		{"@every 1h", time.Hour},
		{"@every 90s", 90 * time.Second},
		{"TZ=UTC 0 2 * * *", day}, // refused on create from Kubernetes 1.29, taken before
		{"61 * * * *", 0},
		{"0 2 * *", 0},
	} {
		// the second call is answered from pkg/cron's cache
		for range 2 {
			got, ok := scheduleShortestInterval(tc.schedule)
			if !ok {
				got = 0
			}
			if got != tc.want || ok != (tc.want != 0) {
				t.Errorf("scheduleShortestInterval(%q) = %v, %v; want %v", tc.schedule, got, ok, tc.want)
			}
		}
	}
}

func TestCronScheduleNext(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	zone := "Europe/Berlin"
	for _, tc := range []struct {
		schedule string
		zone     *string
		after    string
		want     string // "": no run, or unreadable
	}{
		{"0 2 * * *", nil, "2026-06-01T01:00:00Z", "2026-06-01T02:00:00Z"},
		{"0 2 * * *", nil, "2026-06-01T02:00:00Z", "2026-06-02T02:00:00Z"}, // strictly after
		{"*/15 * * * *", nil, "2026-06-01T10:07:30Z", "2026-06-01T10:15:00Z"},
		{"0 17 * * 1-5", nil, "2026-06-05T18:00:00Z", "2026-06-08T17:00:00Z"}, // Friday evening to Monday
		{"0 0 29 2 *", nil, "2026-06-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"0 2 * * *", &zone, "2026-06-01T00:30:00Z", "2026-06-02T00:00:00Z"}, // 02:00 CEST is 00:00 UTC
		{"CRON_TZ=Europe/Berlin 0 2 * * *", nil, "2026-06-01T00:30:00Z", "2026-06-02T00:00:00Z"},
		{"0 0 31 4 *", nil, "2026-06-01T00:00:00Z", ""},
		{"@every 1h", nil, "2026-06-01T00:00:00Z", "2026-06-01T01:00:00Z"},
		{"TZ=UTC", nil, "2026-06-01T00:00:00Z", ""}, // a zone and no fields
		{"TZ=Mars/Base 0 2 * * *", nil, "2026-06-01T00:00:00Z", ""},
		// 02:30 does not exist in Berlin on 29 March 2026; the controller
		// (robfig/cron's Next) skips that day's run
		{"30 2 * * *", &zone, "2026-03-28T12:00:00Z", "2026-03-30T00:30:00Z"},
	} {
		got := ""
		if s, ok := parseCronSchedule(tc.schedule, tc.zone); ok {
			if n, ok := s.Next(at(tc.after)); ok {
				got = n.UTC().Format(time.RFC3339)
			}
		}
		if got != tc.want {
			t.Errorf("%q after %s = %q, want %q", tc.schedule, tc.after, got, tc.want)
		}
	}
	s, _ := parseCronSchedule("0 * * * *", nil)
	if n, first := s.RunsBetween(at("2026-06-01T00:00:00Z"), at("2026-06-01T05:30:00Z"), 100); n != 5 || !first.Equal(at("2026-06-01T01:00:00Z")) {
		t.Errorf("runsBetween = %d, %s; want 5, 01:00", n, first)
	}
	if n, _ := s.RunsBetween(at("2026-06-01T00:00:00Z"), at("2026-06-09T00:00:00Z"), 100); n != 100 {
		t.Errorf("runsBetween stops at its limit: got %d, want 100", n)
	}
}

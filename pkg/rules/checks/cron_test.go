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
		{"0 0 * * 0,7", 7 * day},
		{"0 0 1,15 * *", 14 * day},
		{"0 0 29 2 *", (366 + 365 + 365 + 365) * day},
		// day of month and day of week both restricted: either matches
		{"0 0 13 * 5", day}, // a Friday the 12th: Friday, then the 13th
		{"0 0 31 4 *", 0},   // never fires
		{"@every 1h", 0},
		{"TZ=UTC 0 2 * * *", 0},
		{"61 * * * *", 0},
		{"0 2 * *", 0},
	} {
		got, ok := scheduleShortestInterval(tc.schedule)
		if !ok {
			got = 0
		}
		if got != tc.want {
			t.Errorf("scheduleShortestInterval(%q) = %v, %v; want %v", tc.schedule, got, ok, tc.want)
		}
	}
}

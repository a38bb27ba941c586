package checks

import (
	"testing"
	"time"
)

// BenchmarkScheduleShortestInterval is MB104's reading of a set of common
// schedules (the day walks are cached per day pattern after the first).
func BenchmarkScheduleShortestInterval(b *testing.B) {
	schedules := []string{"0 2 * * *", "*/15 * * * *", "0 4 * * 0", "0 0 1 * *", "30 1 * * 1-5", "0 0 29 2 *"}
	for b.Loop() {
		for _, s := range schedules {
			scheduleShortestInterval(s)
		}
	}
}

// BenchmarkRunsBetween is MB703's count of the missed runs of a schedule
// every 15 minutes over two days (up to its limit of 100).
func BenchmarkRunsBetween(b *testing.B) {
	s, _ := parseCronSchedule("*/15 * * * *", nil)
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		s.RunsBetween(from, from.Add(48*time.Hour), 100)
	}
}

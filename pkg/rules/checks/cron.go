package checks

import (
	"time"

	"github.com/meshbatch/meshbatch/pkg/cron"
)

// scheduleShortestInterval returns the shortest time between two runs of a
// CronJob schedule, read as the controller runs it (see cron.ParseIn: a
// TZ prefix, which API servers before 1.29 take, is read too); ok is false
// for what robfig/cron cannot read (MB001 reports it) and for a schedule
// that never runs; @every's is its delay. Time zones and daylight saving
// are ignored.
func scheduleShortestInterval(schedule string) (time.Duration, bool) {
	s, err := cron.ParseIn(schedule, nil)
	if err != nil {
		return 0, false
	}
	d, err := s.ShortestInterval()
	return d, err == nil
}

// parseCronSchedule reads a schedule for its run times as the CronJob
// controller runs it, in its time zone (see cron.ParseIn); ok is false for
// what it cannot read: an unknown zone, a malformed field.
func parseCronSchedule(schedule string, timeZone *string) (cron.Schedule, bool) {
	s, err := cron.ParseIn(schedule, timeZone)
	return s, err == nil
}

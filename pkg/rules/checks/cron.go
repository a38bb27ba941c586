package checks

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	// Time zones of CronJobs' spec.timeZone, wherever meshbatch runs (a
	// distroless image has no zoneinfo); the controller manager embeds
	// them too.
	_ "time/tzdata"
)

// cronDescriptors are the @ forms Kubernetes' parser (robfig/cron's
// ParseStandard) accepts for a CronJob schedule, as five fields.
var cronDescriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// cronField is one field's allowed values as a bit set, and whether it
// was written as "*" or "?" (robfig/cron's starBit, which a step above 1
// clears): day of month and day of week are ANDed when either is a star,
// ORed otherwise.
type cronField struct {
	bits uint64
	star bool
}

func (f cronField) has(v int) bool { return f.bits&(1<<uint(v)) != 0 }

// cronSpan is how far scheduleShortestInterval looks: eight years, so that
// a schedule for 29 February fires at least twice.
const cronSpan = 8 * 366

// scheduleShortestInterval returns the shortest time between two runs of a
// CronJob schedule, read as Kubernetes reads it; ok is false for what it
// cannot read (@every, a time zone prefix, a malformed field: the API
// server rejects the last). Time zones and daylight saving are ignored.
func scheduleShortestInterval(schedule string) (time.Duration, bool) {
	if v, ok := shortestIntervals.Load(schedule); ok {
		d := v.(time.Duration)
		return max(d, 0), d >= 0
	}
	d, ok := walkShortestInterval(schedule)
	if !ok {
		d = -1
	}
	if shortestIntervalsHeld.Add(1) <= maxShortestIntervals {
		shortestIntervals.Store(schedule, d)
	}
	return max(d, 0), ok
}

// shortestIntervals remembers scheduleShortestInterval's answer by
// schedule (-1: not readable): walking the calendar costs about 10 µs,
// which MB104 paid for every CronJob of a large input, and CronJobs share
// few schedules. It holds maxShortestIntervals schedules at most.
var (
	shortestIntervals     sync.Map
	shortestIntervalsHeld atomic.Int64
)

const maxShortestIntervals = 4096

// walkShortestInterval is scheduleShortestInterval, worked out.
func walkShortestInterval(schedule string) (time.Duration, bool) {
	f, ok := parseCronFields(schedule)
	if !ok {
		return 0, false
	}
	// the minutes of a day at which it fires, when a day matches
	var day []int
	for h := 0; h < 24; h++ {
		for m := 0; m < 60; m++ {
			if f[1].has(h) && f[0].has(m) {
				day = append(day, h*60+m)
			}
		}
	}
	if len(day) == 0 {
		return 0, false
	}
	shortest := -1
	for i := 1; i < len(day); i++ {
		if g := day[i] - day[i-1]; shortest < 0 || g < shortest {
			shortest = g
		}
	}
	// across days: from the last run of one matching day to the first of
	// the next
	last := -1 // day index of the previous matching day
	for d, c := range cronCalendar() {
		if !cronDayMatches(f, int(c.day), int(c.month), int(c.weekday)) {
			continue
		}
		if last >= 0 {
			g := (d-last)*24*60 - day[len(day)-1] + day[0]
			if shortest < 0 || g < shortest {
				shortest = g
			}
		}
		last = d
	}
	if shortest < 0 {
		return 0, false
	}
	return time.Duration(shortest) * time.Minute, true
}

// cronDay is one day of the span scheduleShortestInterval walks.
type cronDay struct{ day, month, weekday uint8 }

// cronCalendar is the cronSpan days from 1 January 2024, worked out once:
// every CronJob's schedule walks them (MB104).
var cronCalendar = sync.OnceValue(func() []cronDay {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	days := make([]cronDay, cronSpan)
	for d := range days {
		t := start.AddDate(0, 0, d)
		days[d] = cronDay{uint8(t.Day()), uint8(t.Month()), uint8(t.Weekday())}
	}
	return days
})

// parseCronField reads one field: a list of "*", "?", values, ranges and
// names, each with an optional step ("N/step" meaning N to the maximum).
func parseCronField(s string, lo, hi int, names []string) (cronField, bool) {
	var f cronField
	value := func(v string) (int, bool) {
		if n, err := strconv.Atoi(v); err == nil {
			return n, n >= lo && n <= hi
		}
		if j := slices.Index(names, strings.ToLower(v)); j >= 0 {
			return j + lo, true
		}
		return 0, false
	}
	for _, part := range strings.Split(s, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return f, false
			}
			step = n
		}
		var a, b int
		star := false
		switch {
		case rng == "*" || rng == "?":
			a, b, star = lo, hi, true
		default:
			first, second, isRange := strings.Cut(rng, "-")
			var ok bool
			if a, ok = value(first); !ok {
				return f, false
			}
			b = a
			switch {
			case isRange:
				if b, ok = value(second); !ok || b < a {
					return f, false
				}
			case hasStep:
				b = hi
			}
		}
		if step > 1 {
			star = false
		}
		f.star = f.star || star
		for v := a; v <= b; v += step {
			f.bits |= 1 << uint(v)
		}
	}
	return f, f.bits != 0
}

// cronSchedule is a CronJob schedule read for its run times, in the time
// zone that Kubernetes runs it in.
type cronSchedule struct {
	f   [5]cronField // minute, hour, day of month, month, day of week
	loc *time.Location
}

// parseCronSchedule reads a schedule as Kubernetes does, with its time
// zone: spec.timeZone, a CRON_TZ= or TZ= prefix, else UTC (the controller
// manager's zone in most clusters, which meshbatch cannot see). ok is
// false for what it cannot read: @every, an unknown zone, a malformed
// field.
func parseCronSchedule(schedule string, timeZone *string) (cronSchedule, bool) {
	s := strings.TrimSpace(schedule)
	zone := ""
	if timeZone != nil {
		zone = *timeZone
	}
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			z, fields, _ := strings.Cut(rest, " ")
			zone, s = z, strings.TrimSpace(fields)
		}
	}
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return cronSchedule{}, false
		}
		loc = l
	}
	f, ok := parseCronFields(s)
	return cronSchedule{f: f, loc: loc}, ok
}

// parseCronFields reads the five fields (or an @ descriptor).
func parseCronFields(schedule string) ([5]cronField, bool) {
	var f [5]cronField
	s := strings.TrimSpace(schedule)
	if d, ok := cronDescriptors[s]; ok {
		s = d
	}
	parts := strings.Fields(s)
	if len(parts) != 5 {
		return f, false
	}
	limits := [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}
	names := [5][]string{3: {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}, 4: {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}}
	for i, p := range parts {
		var ok bool
		if f[i], ok = parseCronField(p, limits[i][0], limits[i][1], names[i]); !ok {
			return f, false
		}
	}
	if f[4].has(7) { // 7 is Sunday too
		f[4].bits |= 1
	}
	return f, true
}

// cronDayMatches reports whether a schedule's fields run on a day: day of
// month and day of week are ANDed when either is a star, ORed otherwise.
func cronDayMatches(f [5]cronField, day, month, weekday int) bool {
	dom, dow := f[2].has(day), f[4].has(weekday)
	match := dom || dow
	if f[2].star || f[4].star {
		match = dom && dow
	}
	return match && f[3].has(month)
}

// next returns the first run time strictly after t, looking up to
// cronSpan days ahead; ok is false when there is none in that span.
func (s cronSchedule) next(t time.Time) (time.Time, bool) {
	t = t.In(s.loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.loc)
	for d := 0; d < cronSpan; d++ {
		date := day.AddDate(0, 0, d)
		if !cronDayMatches(s.f, date.Day(), int(date.Month()), int(date.Weekday())) {
			continue
		}
		for h := 0; h < 24; h++ {
			if !s.f[1].has(h) {
				continue
			}
			for m := 0; m < 60; m++ {
				if !s.f[0].has(m) {
					continue
				}
				if run := time.Date(date.Year(), date.Month(), date.Day(), h, m, 0, 0, s.loc); run.After(t) {
					return run, true
				}
			}
		}
	}
	return time.Time{}, false
}

// runsBetween counts the run times in (from, to], up to limit.
func (s cronSchedule) runsBetween(from, to time.Time, limit int) (n int, first time.Time) {
	for t := from; n < limit; n++ {
		next, ok := s.next(t)
		if !ok || next.After(to) {
			break
		}
		if n == 0 {
			first = next
		}
		t = next
	}
	return n, first
}

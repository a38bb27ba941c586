// Package cron reads CronJob schedules as Kubernetes does. The API server
// validates a schedule and the CronJob controller runs it with
// robfig/cron/v3's ParseStandard and SpecSchedule.Next
// (pkg/apis/batch/validation, pkg/controller/cronjob), so this package
// uses them too: the same fields, ranges, names, descriptors and
// day-of-month/day-of-week rule, and the same run times. generate and the
// lint rules both read schedules here, so they cannot disagree.
package cron

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	// Time zones of CronJobs' spec.timeZone, wherever meshbatch runs (a
	// distroless image has no zoneinfo); the controller manager embeds
	// them too.
	_ "time/tzdata"

	robfig "github.com/robfig/cron/v3"
)

// Schedule is a calendar schedule (five fields or an @ descriptor) and the
// time zone it runs in, or @every's constant delay.
type Schedule struct {
	spec  *robfig.SpecSchedule
	every time.Duration // @every: runs this far apart, on no calendar
}

// ErrNeverRuns is returned for a schedule that names no day that exists
// (the 30th of February).
var ErrNeverRuns = errors.New("the schedule names no day that exists, so it never runs")

// Parse reads a CronJob's spec.schedule as the API server validates a new
// one (see Check). The schedule runs in UTC, the controller manager's zone
// in most clusters.
func Parse(s string) (Schedule, error) {
	if err := Check(s); err != nil {
		return Schedule{}, err
	}
	return calendar(s, time.UTC)
}

// ParseIn reads a schedule as the CronJob controller runs it
// (formatSchedule in pkg/controller/cronjob): a schedule with "TZ" in it
// (a TZ= or CRON_TZ= prefix, which CronJobs created before Kubernetes
// refused it may still carry) is read as it is, the prefix naming the
// zone and timeZone ignored; else one with a timeZone gets "TZ=<zone> "
// in front; else it runs in UTC. An unknown zone is an error.
func ParseIn(s string, timeZone *string) (Schedule, error) {
	switch {
	case strings.Contains(s, "TZ"):
		return calendar(s, nil)
	case timeZone != nil:
		if _, err := time.LoadLocation(*timeZone); err != nil {
			return Schedule{}, fmt.Errorf("unknown time zone %q: %v", *timeZone, err)
		}
		return calendar("TZ="+*timeZone+" "+s, nil)
	}
	return calendar(s, time.UTC)
}

// calendar reads s with robfig/cron's ParseStandard, as Kubernetes does, in
// loc, or in the zone of its TZ= prefix when loc is nil.
func calendar(s string, loc *time.Location) (Schedule, error) {
	sched, err := parseStandard(s)
	if err != nil {
		return Schedule{}, err
	}
	if every, ok := sched.(robfig.ConstantDelaySchedule); ok {
		return Schedule{every: every.Delay}, nil
	}
	spec, ok := sched.(*robfig.SpecSchedule)
	if !ok {
		return Schedule{}, fmt.Errorf("%q: robfig/cron gave a %T", s, sched)
	}
	if loc != nil {
		spec.Location = loc // ParseStandard leaves time.Local, the zone of the machine meshbatch runs on
	}
	return Schedule{spec: spec}, nil
}

// parseStandard is ParseStandard with a panic turned into an error, as
// Kubernetes calls it (ParseCronScheduleWithPanicRecovery in
// pkg/util/parsers): robfig/cron slices out of range on a zone prefix
// that no field follows ("TZ=UTC").
func parseStandard(s string) (sched robfig.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("invalid schedule format: %v", r)
		}
	}()
	return robfig.ParseStandard(s)
}

// Location is the time zone the schedule runs in (UTC for @every, which
// no zone changes).
func (s Schedule) Location() *time.Location {
	if s.spec == nil {
		return time.UTC
	}
	return s.spec.Location
}

// Next returns the first run time strictly after t, as the controller
// computes it; ok is false when there is none within five years.
func (s Schedule) Next(t time.Time) (next time.Time, ok bool) {
	if s.spec == nil {
		return robfig.ConstantDelaySchedule{Delay: s.every}.Next(t), true
	}
	next = s.spec.Next(t)
	return next, !next.IsZero()
}

// RunsBetween counts the run times in (from, to], up to limit, and returns
// the first of them.
func (s Schedule) RunsBetween(from, to time.Time, limit int) (n int, first time.Time) {
	for t := from; n < limit; n++ {
		next, ok := s.Next(t)
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

// cycle is the Gregorian calendar's period: 400 years are 146097 days, a
// whole number of weeks, so every pattern of months, days of month and
// days of week repeats after it.
const cycle = 400

// ShortestInterval returns the shortest time between two consecutive runs,
// on the calendar (daylight saving time, in a zone that has it, can make
// an interval an hour shorter); ErrNeverRuns for a schedule that names no
// existing day.
//
// Every run day has the same times of day, so the shortest interval is
// the shorter of the closest two times within a day and the closest two
// run days less the span from the day's first time to its last.
func (s Schedule) ShortestInterval() (time.Duration, error) {
	if s.spec == nil {
		return s.every, nil
	}
	spec := s.spec
	var times []int // minutes after midnight
	for h := range 24 {
		for m := range 60 {
			if spec.Hour&(1<<h) != 0 && spec.Minute&(1<<m) != 0 {
				times = append(times, h*60+m)
			}
		}
	}
	if len(times) == 0 {
		return 0, ErrNeverRuns // ParseStandard never gives this
	}
	shortest := time.Duration(0)
	for i := 1; i < len(times); i++ {
		if d := time.Duration(times[i]-times[i-1]) * time.Minute; shortest == 0 || d < shortest {
			shortest = d
		}
	}
	days, err := closestRunDays(dayPattern{spec.Month, spec.Dom, spec.Dow})
	if err != nil {
		return 0, err
	}
	across := time.Duration(days)*24*time.Hour - time.Duration(slices.Max(times)-slices.Min(times))*time.Minute
	if shortest == 0 || across < shortest {
		shortest = across
	}
	return shortest, nil
}

// star is the bit robfig/cron sets in a field written as "*" or "?"
// (without a step above 1). Days match as in its dayMatches: when the day
// of month or the day of week is such a star, both must match; when both
// are restricted, either does.
const star = 1 << 63

// dayPattern is what decides the days a schedule runs on.
type dayPattern struct{ month, dom, dow uint64 }

// RunsOn reports whether the schedule runs on a day; @every may run on
// any.
func (s Schedule) RunsOn(month time.Month, dom int, dow time.Weekday) bool {
	if s.spec == nil {
		return true
	}
	return dayPattern{s.spec.Month, s.spec.Dom, s.spec.Dow}.runsOn(int(month), dom, int(dow))
}

func (p dayPattern) runsOn(month, dom, dow int) bool {
	if p.month&(1<<month) == 0 {
		return false
	}
	domMatch := p.dom&(1<<dom) != 0
	dowMatch := p.dow&(1<<dow) != 0
	if p.dom&star != 0 || p.dow&star != 0 {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}

// closestDays caches closestRunDays: a schedule that runs on few days
// walks the whole cycle, and a linted corpus repeats its schedules.
var closestDays sync.Map // dayPattern -> int (0: never runs)

// closestRunDays returns the fewest days between two consecutive days the
// pattern runs on, over a whole calendar cycle (and into the next, for
// the gap across its end).
func closestRunDays(p dayPattern) (int, error) {
	if v, ok := closestDays.Load(p); ok {
		if v.(int) == 0 {
			return 0, ErrNeverRuns
		}
		return v.(int), nil
	}
	year, month, dom, dow := 2000, 1, 1, 6 // 1 January 2000 was a Saturday
	closest, last := 0, -1
	for day := 0; day < 2*cycle*366; day++ {
		if p.runsOn(month, dom, dow) {
			if last >= 0 && (closest == 0 || day-last < closest) {
				closest = day - last
			}
			if closest == 1 || (last >= 0 && year >= 2000+cycle) {
				break
			}
			last = day
		}
		dow = (dow + 1) % 7
		if dom++; dom > daysIn(year, month) {
			dom = 1
			if month++; month > 12 {
				month = 1
				year++
			}
		}
	}
	closestDays.Store(p, closest)
	if closest == 0 {
		return 0, ErrNeverRuns // February 30th, say: no run in two cycles means none ever
	}
	return closest, nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

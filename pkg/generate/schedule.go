package generate

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"
)

// A CronJob's schedule is read with robfig/cron/v3's ParseStandard, the
// parser Kubernetes validates schedules with and its CronJob controller
// runs them with (pkg/apis/batch/validation, pkg/controller/cronjob): the
// same fields, ranges, names and day-of-month/day-of-week rules, so what
// meshbatch computes from a schedule is what the cluster will do.

// parseSchedule parses a schedule the way Kubernetes does.
func parseSchedule(s string) (*cron.SpecSchedule, error) {
	sched, err := cron.ParseStandard(s)
	if err != nil {
		return nil, err
	}
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("%q is not a calendar schedule", s) // @every; checkSchedule refuses it first
	}
	return spec, nil
}

// scheduleCycle is the Gregorian calendar's period: 400 years are
// 146097 days, a whole number of weeks, so every pattern of months, days
// of month and days of week repeats after it.
const scheduleCycle = 400

// errNeverRuns is returned for a schedule that names no existing day
// (the 30th of February).
var errNeverRuns = errors.New("the schedule names no day that exists, so it never runs")

// shortestInterval returns the shortest time between two consecutive
// runs of a schedule, in UTC (the schedule of a CronJob without timeZone
// is read in kube-controller-manager's time zone, usually UTC; in a zone
// with daylight saving time an interval can be an hour shorter).
//
// Every run day has the same times of day, so the shortest interval is
// the shorter of the closest two times within a day and the closest two
// run days less the span from the day's first time to its last.
func shortestInterval(spec *cron.SpecSchedule) (time.Duration, error) {
	var times []int // minutes after midnight
	for h := range 24 {
		for m := range 60 {
			if spec.Hour&(1<<h) != 0 && spec.Minute&(1<<m) != 0 {
				times = append(times, h*60+m)
			}
		}
	}
	if len(times) == 0 {
		return 0, errNeverRuns // ParseStandard never gives this
	}
	shortest := time.Duration(0)
	for i := 1; i < len(times); i++ {
		if d := time.Duration(times[i]-times[i-1]) * time.Minute; shortest == 0 || d < shortest {
			shortest = d
		}
	}
	days, err := closestRunDays(spec)
	if err != nil {
		return 0, err
	}
	across := time.Duration(days)*24*time.Hour - time.Duration(slices.Max(times)-slices.Min(times))*time.Minute
	if shortest == 0 || across < shortest {
		shortest = across
	}
	return shortest, nil
}

// cronStar is the bit robfig/cron sets in a field written as "*" or "?"
// (without a step above 1). Days match as in its dayMatches: when the day
// of month or the day of week is such a star, both must match; when
// both are restricted, either does.
const cronStar = 1 << 63

// runsOn reports whether the schedule runs on a day.
func runsOn(spec *cron.SpecSchedule, month, dom, dow int) bool {
	if spec.Month&(1<<month) == 0 {
		return false
	}
	domMatch := spec.Dom&(1<<dom) != 0
	dowMatch := spec.Dow&(1<<dow) != 0
	if spec.Dom&cronStar != 0 || spec.Dow&cronStar != 0 {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}

// closestRunDays returns the fewest days between two consecutive days the
// schedule runs on, over a whole calendar cycle (and into the next, for
// the gap across its end).
func closestRunDays(spec *cron.SpecSchedule) (int, error) {
	year, month, dom, dow := 2000, 1, 1, 6 // 1 January 2000 was a Saturday
	closest, last := 0, -1
	for day := 0; day < 2*scheduleCycle*366; day++ {
		if runsOn(spec, month, dom, dow) {
			if last >= 0 && (closest == 0 || day-last < closest) {
				closest = day - last
			}
			if closest == 1 || (last >= 0 && year >= 2000+scheduleCycle) {
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
	if closest == 0 {
		return 0, errNeverRuns // February 30th, say: no run in two cycles means none ever
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

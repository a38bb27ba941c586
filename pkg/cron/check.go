package cron

import (
	"fmt"
	"strings"
)

// Refusal is why the API server refuses a new CronJob's spec.schedule,
// and how to write it instead.
type Refusal struct {
	Schedule string
	// Reasons are the API server's own words, each a field.Invalid detail
	// of validateScheduleFormat.
	Reasons []string
	// Advice says how to write the schedule so that it is taken.
	Advice string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("%q is refused by the API server: %s", r.Schedule, strings.Join(r.Reasons, "; "))
}

// zoneInSchedule is the API server's message for "TZ" in a new schedule.
const zoneInSchedule = "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"

// Check says whether the API server takes s as the spec.schedule of a new
// CronJob, as validateScheduleFormat in pkg/apis/batch/validation does
// (Kubernetes 1.27 and later): robfig/cron's ParseStandard must read it
// exactly as written (nothing trimmed), and it must not contain "TZ". On
// update the API server lets a schedule keep "TZ" when the stored one had
// it; a file is read as a new object. @every passes: the API server takes
// it. The error is a *Refusal.
func Check(s string) error {
	var reasons []string
	if _, err := parseStandard(s); err != nil {
		reasons = append(reasons, err.Error())
	}
	if strings.Contains(s, "TZ") {
		reasons = append(reasons, zoneInSchedule)
	}
	if len(reasons) == 0 {
		return nil
	}
	return &Refusal{Schedule: s, Reasons: reasons, Advice: advice(s)}
}

// fiveFields is what a schedule is, for advice.
const fiveFields = "write five fields, minute (0-59) hour (0-23) day-of-month (1-31) month (1-12 or jan-dec) " +
	"day-of-week (0-6 or sun-sat), or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly " +
	"or @every <duration>"

// advice says how to write a refused schedule so that the API server
// takes it.
func advice(s string) string {
	if strings.Contains(s, "TZ") {
		for _, prefix := range []string{"TZ=", "CRON_TZ="} {
			if rest, ok := strings.CutPrefix(s, prefix); ok {
				zone, fields, _ := strings.Cut(rest, " ")
				fields = strings.TrimSpace(fields)
				if zone != "" && fields != "" && !strings.Contains(fields, "TZ") {
					return fmt.Sprintf("set spec.timeZone: %s and spec.schedule: %q", zone, fields)
				}
			}
		}
		return "take the time zone out of the schedule and name it in spec.timeZone (an IANA name, like Europe/Berlin)"
	}
	if t := strings.TrimSpace(s); t != s && t != "" {
		if _, err := parseStandard(t); err == nil {
			return fmt.Sprintf("remove the spaces around it: %q (Kubernetes reads a descriptor only when the "+
				"schedule starts with @ and is nothing else)", t)
		}
	}
	if fields := strings.Fields(s); len(fields) == 5 && namesSeven(fields[4]) {
		return "write 0 for Sunday, not 7: Kubernetes reads days of week 0 (Sunday) to 6 (Saturday)"
	}
	return fiveFields
}

// namesSeven reports whether a day-of-week field names day 7, as a value or
// a range's end (a step of 7 is fine).
func namesSeven(field string) bool {
	for _, part := range strings.Split(field, ",") {
		rng, _, _ := strings.Cut(part, "/")
		lo, hi, _ := strings.Cut(rng, "-")
		if lo == "7" || hi == "7" {
			return true
		}
	}
	return false
}

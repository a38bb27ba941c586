package cron

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestShortestInterval checks the shortest time between two runs against
// schedules worked out by hand: steps, lists, ranges of weekdays, the
// wrap from one day's last run to the next day's first, months of unequal
// length, leap days, and day of month or day of week (either matches when
// both are restricted).
func TestShortestInterval(t *testing.T) {
	const day = 24 * time.Hour
	for s, want := range map[string]time.Duration{
		"@hourly":         time.Hour,
		"@daily":          day,
		"@midnight":       day,
		"@weekly":         7 * day,
		"@monthly":        28 * day,
		"@yearly":         365 * day,
		"*/15 * * * *":    15 * time.Minute,
		"* * * * *":       time.Minute,
		"15 * * * *":      time.Hour,
		"0 2 * * *":       day,
		"30 3 * * 1-5":    day, // Monday to Friday: the weekend gap is longer
		"0 0,12 * * *":    12 * time.Hour,
		"0 1,23 * * *":    2 * time.Hour, // 23:00, then 01:00 the next day
		"0 9-17/2 * * *":  2 * time.Hour,
		"0 0 31 * *":      31 * day, // July 31 to August 31, December 31 to January 31
		"0 0 29 2 *":      4*365*day + day,
		"0 0 * * 0,3":     3 * day,
		"0 0 1 * 1":       day, // the 1st or any Monday: both are restricted, so either matches
		"0 4 * * 0":       7 * day,
		"0 6 1 * *":       28 * day,
		"0 0 1 jan,jul *": 181 * day, // January 1 to July 1 (non-leap year)
	} {
		sched, err := Parse(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		got, err := sched.ShortestInterval()
		if err != nil || got != want {
			t.Errorf("%q: got %v, %v; want %v", s, got, err, want)
		}
	}
	sched, err := Parse("0 0 30 2 *")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sched.ShortestInterval(); !errors.Is(err, ErrNeverRuns) {
		t.Errorf("February 30: got %v, %v; want ErrNeverRuns", got, err)
	}
}

// TestRunDaysAgreeWithRobfig holds RunsOn, which reads robfig/cron's
// bit sets directly, to the days robfig/cron's own Next runs a schedule
// on, for hand-picked and random day fields over five years (one of them
// a leap year, one a century year).
func TestRunDaysAgreeWithRobfig(t *testing.T) {
	schedules := []string{
		"0 0 1 * 1", "0 0 1-7 * 1", "0 0 */2 * *", "0 0 * * */2", "0 0 ? * MON", "0 0 */1 * 1",
		"0 0 1 * */1", "0 0 29 2 *", "@weekly", "@monthly", "0 0 13 * 5", "0 0 * feb,aug sun",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	field := func(lo, hi int) string {
		switch rng.IntN(6) {
		case 0:
			return "*"
		case 1:
			return "?"
		case 2:
			return fmt.Sprintf("*/%d", 1+rng.IntN(4))
		case 3:
			a := lo + rng.IntN(hi-lo+1)
			return fmt.Sprintf("%d-%d", a, a+rng.IntN(hi-a+1))
		case 4:
			return fmt.Sprintf("%d/%d", lo+rng.IntN(hi-lo+1), 1+rng.IntN(5))
		}
		return fmt.Sprintf("%d,%d", lo+rng.IntN(hi-lo+1), lo+rng.IntN(hi-lo+1))
	}
	for range 300 {
		schedules = append(schedules, fmt.Sprintf("0 0 %s %s %s", field(1, 31), field(1, 12), field(0, 6)))
	}
	for _, s := range schedules {
		sched, err := Parse(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		daily := *sched.spec
		daily.Second, daily.Minute, daily.Hour, daily.Location = 1, 1, 1, time.UTC
		start := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
		end := start.AddDate(5, 0, 0)
		want := map[time.Time]bool{}
		for d := daily.Next(start.Add(-time.Second)); !d.IsZero() && d.Before(end); d = daily.Next(d) {
			want[d] = true
		}
		for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
			if got := sched.RunsOn(d.Month(), d.Day(), d.Weekday()); got != want[d] {
				t.Fatalf("%q on %s: RunsOn says %v, robfig/cron %v", s, d.Format("Mon 2006-01-02"), got, want[d])
			}
		}
	}
}

func BenchmarkShortestIntervalTwoDaysAWeek(b *testing.B) {
	sched, err := Parse("0 0 * * 0,3")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		closestDays.Clear() // the walk, not the cache
		if _, err := sched.ShortestInterval(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseZones: a new schedule takes no zone prefix; a running one's
// prefix wins over timeZone; without either the schedule runs in UTC,
// whatever zone the machine that runs meshbatch is in.
func TestParseZones(t *testing.T) {
	for _, s := range []string{"TZ=Europe/Berlin 0 2 * * *", "@daily ", "  @daily ", " TZ=Europe/Berlin 0 2 * * *"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse took %q, which the API server refuses", s)
		}
	}
	saved := time.Local
	time.Local = time.FixedZone("elsewhere", 5*3600)
	defer func() { time.Local = saved }()
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	berlin, tokyo, nowhere := "Europe/Berlin", "Asia/Tokyo", "Nowhere/Special"
	for _, tc := range []struct {
		schedule string
		zone     *string
		want     time.Time // zero: an error
	}{
		{"0 2 * * *", nil, time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)},
		{"0 2 * * *", &berlin, time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)},
		{"CRON_TZ=Europe/Berlin 0 2 * * *", nil, time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)},
		{"TZ=Europe/Berlin 0 2 * * *", &tokyo, time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)},
		{" 0 2 * * * ", nil, time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)}, // strings.Fields splits five fields
		// robfig/cron reads a descriptor only when the schedule starts with @
		// and is nothing else; the controller trims after a zone prefix
		{"  @daily ", nil, time.Time{}},
		{"@daily ", nil, time.Time{}},
		{"  @daily ", &berlin, time.Date(2026, 6, 1, 22, 0, 0, 0, time.UTC)},
		{" TZ=Europe/Berlin 0 2 * * *", nil, time.Time{}}, // no prefix then: six fields
		{"TZ=UTC", nil, time.Time{}},                      // robfig/cron alone would slice out of range here
		{"TZ=Europe/Berlin TZ=UTC 0 2 * * *", nil, time.Time{}},
		{"0 2 * * *", &nowhere, time.Time{}},
		{"@every 1h", nil, time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}, // a constant delay from the last run
	} {
		s, err := ParseIn(tc.schedule, tc.zone)
		var got time.Time
		if err == nil {
			got, _ = s.Next(from)
		}
		if !got.Equal(tc.want) {
			t.Errorf("ParseIn(%q, %v): next run %v (error %v), want %v", tc.schedule, tc.zone, got, err, tc.want)
		}
	}
}

// TestCheck holds Check to what validateScheduleFormat (Kubernetes
// pkg/apis/batch/validation) answers for a new CronJob: robfig/cron's
// ParseStandard on the schedule as written, and no "TZ" in it; and checks
// the advice for each kind of refusal.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		schedule string
		reasons  []string // nil: taken
		advice   string
	}{
		{"0 2 * * *", nil, ""},
		{" 0 2 * * * ", nil, ""},
		{"@daily", nil, ""},
		{"@every 1h", nil, ""}, // the API server takes it; the controller runs it
		{"0 0 * * 0", nil, ""},
		{"0 0 * * */7", nil, ""}, // a step of 7 names Sunday only
		{"*/5 * * * 7", []string{"end of range (7) above maximum (6): 7"}, "write 0 for Sunday, not 7: Kubernetes reads days of week 0 (Sunday) to 6 (Saturday)"},
		{"0 0 * * 5-7", []string{"end of range (7) above maximum (6): 5-7"}, "write 0 for Sunday, not 7: Kubernetes reads days of week 0 (Sunday) to 6 (Saturday)"},
		{"@daily ", []string{"unrecognized descriptor: @daily "}, `remove the spaces around it: "@daily" (Kubernetes reads a descriptor only when the schedule starts with @ and is nothing else)`},
		{"  @daily ", []string{"expected exactly 5 fields, found 1: [@daily]"}, `remove the spaces around it: "@daily" (Kubernetes reads a descriptor only when the schedule starts with @ and is nothing else)`},
		{"TZ=Europe/Berlin 0 2 * * *", []string{zoneInSchedule}, `set spec.timeZone: Europe/Berlin and spec.schedule: "0 2 * * *"`},
		{"CRON_TZ=UTC @daily", []string{zoneInSchedule}, `set spec.timeZone: UTC and spec.schedule: "@daily"`},
		{"TZ=UTC", []string{"invalid schedule format: runtime error: slice bounds out of range [:-1]", zoneInSchedule},
			"take the time zone out of the schedule and name it in spec.timeZone (an IANA name, like Europe/Berlin)"},
		{"0 2 * *", []string{"expected exactly 5 fields, found 4: [0 2 * *]"}, fiveFields},
		{"", []string{"empty spec string"}, fiveFields},
	} {
		err := Check(tc.schedule)
		if tc.reasons == nil {
			if err != nil {
				t.Errorf("Check(%q) = %v, want nil", tc.schedule, err)
			}
			continue
		}
		r, ok := err.(*Refusal)
		if !ok {
			t.Errorf("Check(%q) = %v, want a refusal", tc.schedule, err)
			continue
		}
		if fmt.Sprint(r.Reasons) != fmt.Sprint(tc.reasons) || r.Advice != tc.advice {
			t.Errorf("Check(%q):\n got %q, %q\nwant %q, %q", tc.schedule, r.Reasons, r.Advice, tc.reasons, tc.advice)
		}
	}
}

// BenchmarkCheck is what the loader adds to each CronJob of a file.
func BenchmarkCheck(b *testing.B) {
	for b.Loop() {
		if err := Check("*/15 2-6 * * mon-fri"); err != nil {
			b.Fatal(err)
		}
	}
}

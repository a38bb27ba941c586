package generate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/meshbatch/meshbatch/internal/suggest"
	"github.com/meshbatch/meshbatch/pkg/cron"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Field checks.

func (v *validator) dnsLabel(path, value string, required bool) bool {
	switch {
	case value == "":
		if required {
			v.errorf(path, "required")
		}
		return false
	case len(validation.IsDNS1123Label(value)) > 0:
		v.errorf(path, "%q is not a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters", value)
		return false
	}
	return true
}

func (v *validator) labelPair(path, key, value string) {
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		v.errorf(path, "%q is not a valid label key: %s", key, errs[0])
	}
	if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
		v.errorf(path, "%q is not a valid label value: %s", value, errs[0])
	}
}

func (v *validator) port(path string, p int32, required bool) {
	switch {
	case p == 0 && required:
		v.errorf(path, "required: a port number from 1 to 65535")
	case p < 0 || p > 65535 || (p == 0 && !required):
		v.errorf(path, "%d is not a port number (1 to 65535)", p)
	}
}

func (v *validator) duration(path, s string) (time.Duration, bool) {
	d, err := mesh.ParseDuration(s)
	if err != nil {
		v.errorf(path, "%v", err)
		return 0, false
	}
	if d <= 0 && path != "spec.ttlAfterFinished" {
		v.errorf(path, "%q must be positive", s)
		return 0, false
	}
	return d, true
}

func (v *validator) quantity(path, s string) (resource.Quantity, bool) {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		v.errorf(path, "%q is not a Kubernetes quantity (like 500m or 2 for CPU, 256Mi or 1Gi for memory)", s)
		return q, false
	}
	if q.Sign() <= 0 {
		v.errorf(path, "%q must be positive", s)
		return q, false
	}
	return q, true
}

func (v *validator) version(path, s string) (mesh.Version, bool) {
	ver, err := mesh.ParseVersion(s)
	if err != nil {
		v.errorf(path, "%v", err)
		return ver, false
	}
	return ver, true
}

func (v *validator) enumError(path, value string, allowed []string) {
	msg := fmt.Sprintf("%q is not one of %s", value, strings.Join(allowed, ", "))
	if s := suggest.Closest(value, allowed); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	v.errorf(path, "%s", msg)
}

// schedule checks a cron schedule and returns the shortest time between
// two of its runs, 0 when it is not valid.
func (v *validator) schedule(s string) time.Duration {
	if msg := checkSchedule(s); msg != "" {
		v.errorf("spec.schedule", "%q %s", s, msg)
		return 0
	}
	sched, err := cron.Parse(s)
	if r, ok := err.(*cron.Refusal); ok {
		// checkSchedule missed something the API server refuses.
		v.errorf("spec.schedule", "%v; %s", r, r.Advice)
		return 0
	}
	if err != nil {
		v.errorf("spec.schedule", "%q is refused by Kubernetes' cron parser: %v", s, err)
		return 0
	}
	interval, err := sched.ShortestInterval()
	if err != nil {
		v.errorf("spec.schedule", "%q: %v", s, err)
		return 0
	}
	return interval
}

// cronFields are the five fields of a schedule, with their ranges and
// names, as Kubernetes' parser (robfig/cron) reads them.
var cronFields = []struct {
	name     string
	min, max int
	names    []string // index + min is the value
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 6, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// checkSchedule checks a cron schedule the way the API server will, so
// that a typo fails here and not at apply time: five fields (or a
// @descriptor), each a list of *, values or ranges, with optional steps.
func checkSchedule(s string) string {
	if strings.HasPrefix(s, "@") {
		switch s {
		case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
			return ""
		}
		return "is not a cron descriptor (@hourly, @daily, @weekly, @monthly, @yearly)"
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return "sets a time zone, which Kubernetes rejects in schedule; it has a timeZone field for that"
	}
	fields := strings.Fields(s)
	if len(fields) != len(cronFields) {
		return fmt.Sprintf("has %d fields; a cron schedule has 5 (minute hour day-of-month month day-of-week)", len(fields))
	}
	for i, f := range fields {
		if msg := checkCronField(f, i); msg != "" {
			return fmt.Sprintf("has a bad %s %q: %s", cronFields[i].name, f, msg)
		}
	}
	return ""
}

func checkCronField(f string, i int) string {
	spec := cronFields[i]
	value := func(v string) (int, bool) {
		if n, err := strconv.Atoi(v); err == nil {
			return n, n >= spec.min && n <= spec.max
		}
		if j := slices.Index(spec.names, strings.ToLower(v)); j >= 0 {
			return j + spec.min, true
		}
		return 0, false
	}
	for _, part := range strings.Split(f, ",") {
		rng, step, hasStep := strings.Cut(part, "/")
		if hasStep {
			if n, err := strconv.Atoi(step); err != nil || n < 1 {
				return fmt.Sprintf("step %q is not a positive number", step)
			}
		}
		if rng == "*" || (rng == "?" && (i == 2 || i == 4)) {
			continue
		}
		lo, hi, isRange := strings.Cut(rng, "-")
		a, ok := value(lo)
		if !ok {
			return fmt.Sprintf("%q is not a value from %d to %d", lo, spec.min, spec.max)
		}
		if isRange {
			b, ok := value(hi)
			if !ok {
				return fmt.Sprintf("%q is not a value from %d to %d", hi, spec.min, spec.max)
			}
			if b < a {
				return fmt.Sprintf("range %s ends before it starts", rng)
			}
		}
	}
	return ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keySeg is the field path segment of a map key.
func keySeg(k string) string { return manifest.Key(k) }

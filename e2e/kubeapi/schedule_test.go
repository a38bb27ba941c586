package kubeapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
	"github.com/meshbatch/meshbatch/pkg/cron"
)

// TestScheduleCheckAgreesWithServer holds cron.Check, which MB001 and
// generate use for a new CronJob's spec.schedule, to the API server: it
// takes what the server takes, and refuses what the server refuses with
// the server's own words.
func TestScheduleCheckAgreesWithServer(t *testing.T) {
	needServer(t)
	ensureNamespace(t, "etl")
	for i, schedule := range []string{
		"0 2 * * *", " 0 2 * * * ", "@daily", "@every 1h", "0 0 * * 0", "0 0 * * */7", "0 9-17/2 * * mon-fri",
		"*/5 * * * 7", "0 0 * * 0,7", "0 0 * * 5-7", "@daily ", "  @daily ", "@daly",
		"TZ=Europe/Berlin 0 2 * * *", "CRON_TZ=UTC @daily", " TZ=Europe/Berlin 0 2 * * *", "TZ=UTC",
		"0 2 * *", "0 0 0 2 * * *", "61 * * * *", "0 0 30 2 *",
	} {
		yaml := fmt.Sprintf(`apiVersion: batch/v1
kind: CronJob
metadata: {name: schedule-%d, namespace: etl}
spec:
  schedule: %q
  jobTemplate:
    spec:
`, i, schedule) + indent(jobSpec, "      ")
		o := manifests.MustDecode(t, schedule, yaml)[0]
		errs, _ := submit(t, o)
		err := cron.Check(schedule)
		var refusal *cron.Refusal
		switch {
		case err == nil && len(errs) > 0:
			t.Errorf("%q: cron.Check takes it, the API server refuses it: %v", schedule, errs)
		case err != nil && len(errs) == 0:
			t.Errorf("%q: cron.Check refuses it (%v), the API server takes it", schedule, err)
		case !errors.As(err, &refusal) && err != nil:
			t.Errorf("%q: cron.Check returned %T, want a *cron.Refusal", schedule, err)
		case refusal != nil:
			for _, e := range errs {
				for _, reason := range refusal.Reasons {
					if !strings.Contains(e.Error(), reason) {
						t.Errorf("%q: the API server says %v\nwant it to contain cron.Check's reason %q", schedule, e, reason)
					}
				}
			}
		}
	}
}

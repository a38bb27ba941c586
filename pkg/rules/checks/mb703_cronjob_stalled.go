package checks

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/meshbatch/meshbatch/pkg/cron"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// CronJobStalled reads a CronJob's status against its schedule.
var CronJobStalled = &rules.Rule{
	ID:       "MB703",
	Slug:     "cronjob-stalled",
	Severity: rules.Error,
	Summary:  "A CronJob has stopped running on schedule: its active Job has overrun under Forbid, or its last run is two schedules behind",
	Rationale: "The CronJob controller records in status.active the Jobs it started that have not finished, and in " +
		"status.lastScheduleTime when it last started one. Under concurrencyPolicy: Forbid it starts no run while one " +
		"is active: a Job whose pod never completes (a classic istio-proxy sidecar that outlives the app, MB701) holds " +
		"every later run back, and nothing reports it, as the CronJob itself is healthy. A CronJob that is not suspended " +
		"and whose lastScheduleTime is two or more scheduled runs behind has stopped too, for another reason: more than " +
		"100 missed schedules, a startingDeadlineSeconds shorter than the controller's delay, or a controller manager " +
		"that is not running. The schedule is read as Kubernetes reads it, in spec.timeZone (UTC when unset).",
	Remediation: "Look at the active Job's pods: stop a stuck sidecar as MB701 says and fix the Job's sidecar lifecycle " +
		"(MB101, MB104); for a CronJob that is simply behind, check startingDeadlineSeconds and the controller manager's " +
		"log for the CronJob.",
	Kinds: []string{"CronJob"},
	Sources: []string{
		"kubernetes.io/docs/concepts/workloads/controllers/cron-jobs (concurrency policy, job creation, 100 missed schedules)",
		"kubernetes/kubernetes pkg/controller/cronjob/cronjob_controllerv2.go (Forbid with active Jobs: no new Job, lastScheduleTime unchanged)",
		"canada-ca/tracker#3741",
	},
	Bad: `# status as seen at 2026-06-01T12:00:00Z
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "0 2 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - {name: report, image: registry.example.com/report:2}
status:
  active:
    - {apiVersion: batch/v1, kind: Job, name: nightly-29100120, namespace: batch}
  lastScheduleTime: "2026-05-29T02:00:00Z"
`,
	Good: `# status as seen at 2026-06-01T12:00:00Z
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "0 2 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - {name: report, image: registry.example.com/report:2}
status:
  lastScheduleTime: "2026-06-01T02:00:00Z"
  lastSuccessfulTime: "2026-06-01T02:41:10Z"
`,
	Check: checkCronJobStalled,
}

// missedLimit bounds the runs MB703 counts; the controller itself gives up
// past 100 missed schedules.
const missedLimit = 1000

func checkCronJobStalled(p *rules.Pass) {
	now := p.Now()
	for _, w := range p.Index.BatchWorkloads() {
		cj := w.CronJob
		if cj == nil || (cj.Status.LastScheduleTime == nil && len(cj.Status.Active) == 0) {
			continue // a manifest, or a CronJob that never ran: no status to judge
		}
		if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
			continue
		}
		sched, ok := parseCronSchedule(cj.Spec.Schedule, cj.Spec.TimeZone)
		if !ok {
			continue
		}
		if cj.Spec.ConcurrencyPolicy == batchv1.ForbidConcurrent && len(cj.Status.Active) > 0 {
			forbidOverrun(p, w, sched, now)
			continue
		}
		last := cj.Status.LastScheduleTime
		if last == nil {
			continue
		}
		n, first := sched.RunsBetween(last.Time, now, missedLimit)
		if n < 2 {
			continue
		}
		p.Reportf(w.Object, "status.lastScheduleTime",
			"%s last started a run at %s, yet %s runs were due since, the first at %s: the CronJob is not suspended "+
				"and has stopped running (more than 100 missed schedules, a too short startingDeadlineSeconds, or a stopped "+
				"controller manager)", w.Object.Ref(), stampAgo(now, last.Time), count(n), stamp(first))
	}
}

// forbidOverrun reports a Forbid CronJob whose active Job has run past the
// next scheduled run: the controller skips runs until it ends.
func forbidOverrun(p *rules.Pass, w *rules.Workload, sched cron.Schedule, now time.Time) {
	cj := w.CronJob
	ref := cj.Status.Active[0]
	ns := ref.Namespace
	if ns == "" {
		ns = w.Namespace
	}
	var start time.Time
	var from string
	if job, ok := p.Index.Batch(ns, ref.Name); ok && job.Object().Kind == "Job" {
		if t, ok := job.JobStarted(); ok {
			start, from = t, "its status.startTime"
		}
	}
	if start.IsZero() {
		if cj.Status.LastScheduleTime == nil {
			return
		}
		// Under Forbid the controller leaves lastScheduleTime at the
		// active run's scheduled time.
		start, from = cj.Status.LastScheduleTime.Time, "when it was scheduled"
	}
	n, first := sched.RunsBetween(start, now, missedLimit)
	if n == 0 {
		return
	}
	sev := p.Rule.Severity
	if n == 1 {
		sev = rules.Warning // one late run may be a long one; two are a stall
	}
	p.ReportSeverityf(sev, w.Object, "status.active[0]",
		"%s has had Job %s/%s active since %s (%s, %s): under concurrencyPolicy Forbid the controller skipped the %s due since "+
			"(the first at %s) and starts none while it runs; if its pod's app has ended, a classic istio-proxy sidecar "+
			"is holding it (MB701)", w.Object.Ref(), ns, ref.Name, stamp(start), from, ago(now, start), runs(n), stamp(first))
}

// count writes a number of runs, saying when it reached missedLimit.
func count(n int) string {
	if n >= missedLimit {
		return fmt.Sprintf("%d or more", missedLimit)
	}
	return fmt.Sprint(n)
}

func runs(n int) string {
	if n == 1 {
		return "run"
	}
	return count(n) + " runs"
}

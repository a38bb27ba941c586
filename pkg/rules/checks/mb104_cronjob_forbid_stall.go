package checks

import (
	"cmp"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// CronJobForbidStall is what MB101 does to a schedule.
var CronJobForbidStall = &rules.Rule{
	ID:       "MB104",
	Slug:     "cronjob-forbid-stall",
	Severity: rules.Error,
	Summary:  "A CronJob whose pods never complete stalls, piles up or fails every run, depending on concurrencyPolicy and its deadline",
	Rationale: "When a CronJob's pod keeps a classic istio-proxy sidecar that nothing stops (MB101), no run ever " +
		"completes, and the CronJob controller reacts according to concurrencyPolicy. With Forbid it skips every " +
		"schedule while the first run is active, so the CronJob silently stops running. With Allow (the default) it " +
		"starts a new Job on every schedule next to the stuck ones, and stuck pods pile up, each holding its resource " +
		"requests. With Replace each run is deleted when the next one starts, so no run ever succeeds. " +
		"activeDeadlineSeconds on the jobTemplate bounds each run, and every run then ends Failed: when the deadline is " +
		"shorter than the schedule's shortest interval, each run is stopped before the next one is due and the CronJob " +
		"keeps running on schedule, failing every time; when it is longer, the concurrencyPolicy's effect above holds " +
		"until each deadline (Forbid holds back the schedules due meanwhile, Allow overlaps runs, Replace deletes them).",
	Remediation: "Fix the sidecar's lifecycle as MB101 says (sidecar.istio.io/nativeSidecar: \"true\", or a POST to /quitquitquit on pilot-agent's status port, 127.0.0.1:15020 unless the pod moves it, at the end of the app), and keep concurrencyPolicy: Forbid with an activeDeadlineSeconds as the backstop.",
	Kinds:       []string{"CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"kubernetes.io/docs/concepts/workloads/controllers/cron-jobs (concurrency policy)",
		"canada-ca/tracker#3741 (pile-up of Job pods kept alive by the sidecar)",
		"istio/istio#11659",
	},
	Bad: `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "0 2 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {sidecar.istio.io/inject: "true"}
        spec:
          restartPolicy: Never
          containers:
            - name: report
              image: registry.example.com/report:2
`,
	Good: `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "0 2 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      activeDeadlineSeconds: 3600
      template:
        metadata:
          labels: {sidecar.istio.io/inject: "true"}
          annotations: {sidecar.istio.io/nativeSidecar: "true"}
        spec:
          restartPolicy: Never
          containers:
            - name: report
              image: registry.example.com/report:2
`,
	Check: checkCronJobForbidStall,
}

func checkCronJobForbidStall(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		if w.CronJob == nil {
			continue
		}
		m := rules.MeshOf(p, w)
		v := neverExits(m)
		if v == mesh.No {
			continue
		}
		effect := stallEffect(w.CronJob.Spec, w.Job.ActiveDeadlineSeconds)
		// An open verdict is an error too: nothing in the manifest makes
		// the pods safe (see MB101).
		never := "its pods never complete because the classic istio-proxy sidecar outlives the app (MB101)"
		if v == mesh.Unknown {
			never = "its pods may never complete because the classic istio-proxy sidecar may outlive the app (MB101)"
		}
		p.Reportf(w.Object, "spec.concurrencyPolicy", "%s: %s; %s%s%s",
			w.Object.Ref(), never, effect, assumed(m.Assumptions()), settle(p.Facts, m))
	}
}

// stallEffect says what runs that never complete do to a CronJob, from its
// concurrencyPolicy, the jobTemplate's activeDeadlineSeconds and the
// shortest interval of its schedule.
func stallEffect(spec batchv1.CronJobSpec, deadline *int64) string {
	policy := spec.ConcurrencyPolicy
	if policy == "" {
		policy = batchv1.AllowConcurrent
	}
	if deadline == nil {
		switch policy {
		case batchv1.ForbidConcurrent:
			return "concurrencyPolicy is Forbid, so every schedule after the first is skipped while that run stays active and the CronJob stops running"
		case batchv1.ReplaceConcurrent:
			return "concurrencyPolicy is Replace, so each run is deleted when the next one starts and no run ever succeeds"
		}
		return "concurrencyPolicy is Allow, so a new Job starts on every schedule next to the stuck ones and their pods pile up, each holding its resource requests"
	}
	d := time.Duration(*deadline) * time.Second
	dl := fmt.Sprintf("activeDeadlineSeconds (%s)", fmtDuration(d))
	interval, ok := scheduleShortestInterval(spec.Schedule)
	if ok && d < interval {
		return fmt.Sprintf("%s is shorter than the schedule's shortest interval (%s), so each run is stopped at its deadline "+
			"and ends Failed before the next one is due: the CronJob keeps running on schedule, but no run ever succeeds",
			dl, fmtDuration(interval))
	}
	longer := ""
	if ok {
		longer = fmt.Sprintf(" and %s is not shorter than the schedule's shortest interval (%s)", dl, fmtDuration(interval))
	}
	switch policy {
	case batchv1.ForbidConcurrent:
		return fmt.Sprintf("concurrencyPolicy is Forbid%s, so schedules that fall due while a run hangs wait until its "+
			"deadline ends it as Failed: runs start late or are skipped, and none succeeds", cmp.Or(longer, " with "+dl))
	case batchv1.ReplaceConcurrent:
		return fmt.Sprintf("concurrencyPolicy is Replace%s, so each run is deleted when the next one starts or ends Failed "+
			"at its deadline, whichever comes first: no run ever succeeds", cmp.Or(longer, " with "+dl))
	}
	return fmt.Sprintf("concurrencyPolicy is Allow%s, so stuck runs overlap, each holding its resource requests until "+
		"its deadline ends it as Failed: no run ever succeeds", cmp.Or(longer, " with "+dl))
}

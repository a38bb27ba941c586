package manifest

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"
	batchv1 "k8s.io/api/batch/v1"

	"github.com/meshbatch/meshbatch/pkg/cron"
)

// checkSchedule records the problem of a CronJob whose spec.schedule the
// API server refuses (cron.Check): rules that read the schedule cannot,
// and would say nothing. A stored object passed validation already, maybe
// with a "TZ" an update may keep. item is the node of the object, or nil
// when the fast path read it.
func (r *docReader) checkSchedule(o *Object, schedule string, item *yaml.Node) {
	if r.stored {
		return
	}
	if schedule == "" {
		// ValidateCronJobSpec: field.Required before any format check. An
		// absent or null schedule is left alone: a patch (kustomize,
		// strategic merge) leaves it out or deletes it with null.
		r.add(Problem{Pos: r.locate(item, "spec.schedule"), Msg: fmt.Sprintf("%s: spec.schedule is empty, "+
			"and the API server refuses a CronJob without one (spec.schedule: Required value)", o.label()),
			Fix: "Give spec.schedule five cron fields, like \"0 2 * * *\", or a descriptor like @daily."}, o)
		return
	}
	err := cron.Check(schedule)
	if err == nil {
		return
	}
	refusal := err.(*cron.Refusal)
	pos := r.locate(item, "spec.schedule")
	msg := fmt.Sprintf("%s: spec.schedule %v; %s", o.label(), refusal, refusal.Advice)
	since := 0
	if refusal.OnlyTimeZone() {
		if cj, ok := o.Typed.(*batchv1.CronJob); ok && cj.Spec.TimeZone != nil {
			// before 1.29 a TZ was taken on create, but never beside timeZone
			msg = fmt.Sprintf("%s: spec.schedule %q is refused by the API server: %s (before Kubernetes %d.%d: "+
				"\"cannot use both timeZone field and TZ or CRON_TZ in schedule\"); %s", o.label(), schedule,
				refusal.Reasons[0], 1, cron.ZoneRefusedSince, refusal.Advice)
		} else {
			since = cron.ZoneRefusedSince
			msg = fmt.Sprintf("%s: spec.schedule %q is refused by the API server from Kubernetes %d.%d: %s; %s", o.label(),
				schedule, 1, cron.ZoneRefusedSince, refusal.Reasons[0], refusal.Advice)
		}
	}
	r.add(Problem{Pos: pos, Msg: msg,
		Fix:             "Write spec.schedule as the message says; `kubectl explain cronjob.spec.schedule` describes it.",
		SinceKubernetes: since}, o)
}

// locate is the position of path in the document's object item, parsed
// again when the fast path read it (item nil); the document's start when
// path is not there, the nearest enclosing field that is.
func (r *docReader) locate(item *yaml.Node, path string) Pos {
	if item == nil {
		item, _ = ParseNode(r.chunk.Data)
	}
	if item == nil {
		return Pos{Line: 1, Col: 1}
	}
	return Locate(item, path)
}

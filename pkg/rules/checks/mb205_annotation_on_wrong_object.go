package checks

import (
	"sort"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// AnnotationOnWrongObject catches Istio pod settings put on the Job.
var AnnotationOnWrongObject = &rules.Rule{
	ID:       "MB205",
	Slug:     "annotation-on-wrong-object",
	Severity: rules.Warning,
	Summary:  "An Istio pod label or annotation sits on the Job or CronJob instead of its pod template",
	Rationale: "Istio's injector and istio-cni read labels and annotations from the pod, which Kubernetes builds from " +
		"the pod template (spec.template.metadata; spec.jobTemplate.spec.template.metadata for a CronJob). The same keys " +
		"on the Job's or CronJob's own metadata, or on a CronJob's jobTemplate.metadata, are never copied to the pod " +
		"(\"the deployment's metadata is ignored\", Istio's injection FAQ). sidecar.istio.io/inject: \"false\" there " +
		"leaves the pod injected, and the sidecar then keeps the Job alive (istio/istio#11659); a nativeSidecar or " +
		"proxy.istio.io/config there does nothing. The catalogue proposed error; the key itself breaks nothing, and the " +
		"rules that read the effective pod report the consequence at their own severity.",
	Remediation: "Move the key to the pod template's metadata (spec.template.metadata, or spec.jobTemplate.spec.template.metadata for a CronJob), keeping labels as labels and annotations as annotations.",
	Kinds:       []string{"Job", "CronJob"},
	Reads:       rules.Reads{}, // its own workloads only
	Sources: []string{
		"istio.io content/en/docs/ops/common-problems/injection (\"The deployment's metadata is ignored\")",
		"istio/istio#11659",
		"istio/api annotation/annotations.yaml, label/labels.yaml (resources: Pod)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata:
  name: etl
  namespace: batch
  annotations:
    sidecar.istio.io/inject: "false"
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata:
  name: etl
  namespace: batch
spec:
  template:
    metadata:
      labels:
        sidecar.istio.io/inject: "false"
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	AutoFix: "Moves the key, with its value and comment as written, to the pod template's metadata: labels stay labels, " +
		"annotations stay annotations, except sidecar.istio.io/inject \"false\", which becomes the pod label. " +
		"No fix when the pod template sets the key itself, for sidecar.istio.io/inject \"true\" (the pod would get a " +
		"sidecar it may lack today), for a key Istio does not know (MB210), or for " +
		"istio.io/dataplane-mode, sidecar.istio.io/nativeSidecar and istio.io/rev, which change the pod's data plane, " +
		"sidecar mode or revision.",
	Check: checkAnnotationOnWrongObject,
}

func checkAnnotationOnWrongObject(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		if !misplacedIstioKeys(w) {
			continue // the common case: nothing to sort, no message to build
		}
		where := []struct {
			labels, annots map[string]string
			prefix, what   string
		}{{w.Object.Labels, w.Object.Annotations, "metadata", "the " + w.Object.Kind + "'s own metadata"}}
		if w.CronJob != nil {
			jt := w.CronJob.Spec.JobTemplate.ObjectMeta
			where = append(where, struct {
				labels, annots map[string]string
				prefix, what   string
			}{jt.Labels, jt.Annotations, "spec.jobTemplate.metadata", "the jobTemplate's metadata"})
		}
		tmpl := w.TemplatePath + ".metadata"
		for _, at := range where {
			for _, kind := range []string{"labels", "annotations"} {
				set := at.labels
				if kind == "annotations" {
					set = at.annots
				}
				for _, k := range orderedKeys(set) {
					if !mesh.IsIstioKey(k) || k == "sidecar.istio.io/status" {
						continue
					}
					v := set[k]
					if w.Template.Labels[k] == v || w.Template.Annotations[k] == v {
						continue // repeated on the pod template too: harmless
					}
					from := at.prefix + "." + kind + manifest.Key(k)
					toKind := kind
					if k == mesh.LabelInject && (v == "true" || v == "false") {
						toKind = "labels" // a label on the pod, where Istio reads it first
					}
					_, onTemplate := w.Template.Labels[k]
					if !onTemplate {
						_, onTemplate = w.Template.Annotations[k]
					}
					fix := func(ed *manifest.Editor) error {
						switch {
						case onTemplate: // the template has its own value: which one was meant is not certain
							return manifest.ErrNoEdit
						case !knownIstioKeys().names[k]: // MB210's: perhaps a typo, which moving would not mend
							return manifest.ErrNoEdit
						case k == mesh.LabelInject && v != "false":
							// "true" on the pod would give it a sidecar it may lack today
							// (MB206 leaves that to the user too); other values are MB206's
							return manifest.ErrNoEdit
						case k == mesh.LabelDataplaneMode, k == mesh.AnnotNative, k == mesh.LabelRev:
							// another data plane, sidecar mode or revision (a label there; as an
							// annotation, what the injector writes): a choice to make by hand
							return manifest.ErrNoEdit
						}
						return ed.Move(from, tmpl+"."+toKind, k)
					}
					p.ReportFixf(rules.Offer{Description: "move the key to the pod template's metadata", Build: fix}, w.Object, from,
						"%s sets %s on %s, which never reaches the pod: Istio reads only %s, so this %s has no effect",
						w.Object.Ref(), k, at.what, tmpl, kind[:len(kind)-1])
				}
			}
		}
	}
}

// misplacedIstioKeys reports whether the labels or annotations that never
// reach the pod carry an Istio key checkAnnotationOnWrongObject reads.
func misplacedIstioKeys(w *rules.Workload) bool {
	sets := [4]map[string]string{w.Object.Labels, w.Object.Annotations}
	if w.CronJob != nil {
		sets[2], sets[3] = w.CronJob.Spec.JobTemplate.Labels, w.CronJob.Spec.JobTemplate.Annotations
	}
	for _, set := range sets {
		for k := range set {
			if mesh.IsIstioKey(k) && k != "sidecar.istio.io/status" {
				return true
			}
		}
	}
	return false
}

func orderedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

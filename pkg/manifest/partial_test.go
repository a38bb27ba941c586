package manifest

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// testFields decodes Jobs in part: metadata, and the containers of their
// pod template.
var testFields = Fields{
	reflect.TypeFor[batchv1.Job]():     {"apiVersion": true, "kind": true, "metadata": true, "spec": true},
	reflect.TypeFor[batchv1.JobSpec](): {"template": true},
	reflect.TypeFor[corev1.PodSpec]():  {"containers": true},
}

func TestReadDocumentPartly(t *testing.T) {
	fields := testFields
	const job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: etl\n  labels: {app: etl}\nspec:\n  backoffLimit: BACKOFF\n" +
		"  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: app\n          image: app:1\n"
	read := func(text string, fields Fields) ([]*Object, []Problem) {
		return readDocument("job.yaml", 0, Chunk{Data: []byte(text), StartLine: 1}, Limits{}, fields)
	}

	objs, probs := read(strings.Replace(job, "BACKOFF", "3", 1), fields)
	if len(probs) > 0 || len(objs) != 1 || !objs[0].Partial() {
		t.Fatalf("a valid Job: %v, %v; want one object decoded in part", objs, probs)
	}
	j := objs[0].Typed.(*batchv1.Job)
	if j.Name != "etl" || objs[0].Labels["app"] != "etl" || len(j.Spec.Template.Spec.Containers) != 1 || j.Spec.Template.Spec.Containers[0].Image != "app:1" {
		t.Errorf("the listed fields were not decoded: %+v", j)
	}
	if j.Spec.BackoffLimit != nil || j.Spec.Template.Spec.RestartPolicy != "" {
		t.Errorf("fields not listed were decoded: backoffLimit %v, restartPolicy %q", j.Spec.BackoffLimit, j.Spec.Template.Spec.RestartPolicy)
	}
	objs[0].RestoreTyped(&batchv1.Job{})
	if objs[0].Partial() {
		t.Error("an object restored whole is still partial")
	}

	// A field left out is not checked: the whole decode finds the error.
	broken := strings.Replace(job, "BACKOFF", "three", 1)
	if objs, probs := read(broken, fields); len(probs) > 0 || len(objs) != 1 || !objs[0].Partial() {
		t.Errorf("a wrong value in a field left out: %v, %v; want it decoded in part", objs, probs)
	}
	if objs, probs := read(broken, nil); len(objs) != 1 || !objs[0].PartlyInvalid() || len(probs) != 1 || !probs[0].LeftOut ||
		!strings.Contains(probs[0].Msg, "backoffLimit") {
		t.Errorf("decoded whole: %v, %v; want the backoffLimit problem, and the Job without it", objs, probs)
	}
	// An unknown field is refused in part as whole: the object is read
	// whole, without it.
	unknown := strings.Replace(job, "BACKOFF", "3\n  backofLimit: 3", 1)
	if objs, probs := read(unknown, fields); len(objs) != 1 || objs[0].Partial() || !objs[0].PartlyInvalid() || len(probs) != 1 ||
		!strings.Contains(probs[0].Msg, "backofLimit") {
		t.Errorf("an unknown field: %v, %v; want its problem, and the Job whole without it", objs, probs)
	}
	// A kind fields does not list is decoded whole.
	svc := "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {ports: [{port: 5432}]}\n"
	if objs, _ := read(svc, fields); len(objs) != 1 || objs[0].Partial() || len(objs[0].Typed.(*corev1.Service).Spec.Ports) != 1 {
		t.Errorf("a Service: %v, want it whole", objs)
	}
}

// FuzzReadDocumentPartly: a partial decode never panics, never refuses a
// document the whole decode accepts, and gives the same objects with the
// same metadata; a document it refuses, the whole decode refuses too.
func FuzzReadDocumentPartly(f *testing.F) {
	addLoaderSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		for i, c := range SplitDocuments(data) {
			whole, wholeProbs := ReadDocument("in.yaml", i, c, fuzzLimits)
			part, partProbs := ReadDocumentPartly("in.yaml", i, c, fuzzLimits, testFields)
			if len(partProbs) > 0 && len(wholeProbs) == 0 {
				t.Fatalf("document %d: refused in part (%v), accepted whole", i, partProbs)
			}
			if len(wholeProbs) > 0 {
				continue
			}
			if len(part) != len(whole) {
				t.Fatalf("document %d: %d objects in part, %d whole", i, len(part), len(whole))
			}
			for j := range whole {
				w, p := whole[j], part[j]
				if w.Kind != p.Kind || w.Name != p.Name || w.Namespace != p.Namespace ||
					!maps.Equal(w.Labels, p.Labels) || !maps.Equal(w.Annotations, p.Annotations) {
					t.Fatalf("document %d: %s decoded in part differs from whole", i, w.Ref())
				}
			}
		}
	})
}

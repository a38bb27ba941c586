package manifest

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestReadStoredDocument: an object as an API server stored it decodes
// whole, its unknown fields dropped and listed once each, list indexes
// as [*]; Redecode reads it the same way. ReadDocument still refuses
// them, and a value of the wrong type is a problem either way.
func TestReadStoredDocument(t *testing.T) {
	pod := []byte(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}, "spec": {"futureSpecField": 1, ` +
		`"containers": [{"name": "a", "image": "a:1", "futureC": 1}, {"name": "b", "image": "b:1", "futureC": 2}]}, "status": {"phase": "Running", "futureStatusField": "x"}}` + "\n")
	objs, probs, unknown := ReadStoredDocument("live", 0, Chunk{Data: pod, StartLine: 1}, Limits{}, nil)
	if len(probs) > 0 || len(objs) != 1 {
		t.Fatalf("objects %d, problems %v", len(objs), probs)
	}
	want := []UnknownField{{"Pod", "spec.futureSpecField"}, {"Pod", "spec.containers[*].futureC"}, {"Pod", "status.futureStatusField"}}
	slices.SortFunc(unknown, func(a, b UnknownField) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(want, func(a, b UnknownField) int { return strings.Compare(a.Path, b.Path) })
	if !slices.Equal(unknown, want) {
		t.Errorf("unknown %v, want %v", unknown, want)
	}
	o := objs[0]
	if p, ok := o.Typed.(*corev1.Pod); !ok || o.PartlyInvalid() || p.Status.Phase != corev1.PodRunning || len(p.Spec.Containers) != 2 {
		t.Errorf("typed %+v, partly invalid %v: want the whole Pod", o.Typed, o.PartlyInvalid())
	}
	if typed, probs, err := o.Redecode(nil, 0, Limits{}); err != nil || len(probs) > 0 || typed == nil {
		t.Errorf("decoded again: %v, %v", probs, err)
	}
	if _, probs := ReadDocument("file", 0, Chunk{Data: pod, StartLine: 1}, Limits{}); len(probs) == 0 {
		t.Error("ReadDocument took the unknown fields of a file")
	}
	bad := []byte(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": "app"}}` + "\n")
	if _, probs, _ := ReadStoredDocument("live", 0, Chunk{Data: bad, StartLine: 1}, Limits{}, nil); len(probs) == 0 {
		t.Error("a list given as a string was read")
	}
}

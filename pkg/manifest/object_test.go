package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

const releaseDoc = "\ufeff# two documents\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: b\n  labels: {app: b}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: app\n          image: x\n"

// A released object reads its document back from the file for positions,
// and falls back to the document's first line if the file changed.
func TestReleaseDocument(t *testing.T) {
	file := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(file, []byte(releaseDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	objs, probs := ReadFile(file, []byte(releaseDoc), Limits{})
	if len(objs) != 2 || len(probs) != 0 {
		t.Fatalf("got %d objects, problems %v", len(objs), probs)
	}
	job := objs[1]
	if job.Labels["app"] != "b" {
		t.Errorf("labels of a decoded object: %v", job.Labels)
	}
	want := job.Pos("spec.template.spec.containers[0].image")
	if want != (Pos{Line: 17, Col: 11}) {
		t.Fatalf("Pos before release = %+v", want)
	}
	released, _ := ReadFile(file, []byte(releaseDoc), Limits{})
	for _, o := range released {
		o.ReleaseDocument()
	}
	if got := released[1].Pos("spec.template.spec.containers[0].image"); got != want {
		t.Errorf("Pos after release = %+v, want %+v", got, want)
	}
	if got := released[0].Pos("metadata.name"); got != (Pos{Line: 4, Col: 12}) {
		t.Errorf("first document after release: %+v", got)
	}

	changed, _ := ReadFile(file, []byte(releaseDoc), Limits{})
	changed[1].ReleaseDocument()
	if err := os.WriteFile(file, []byte("# edited\n"+releaseDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := changed[1].Pos("spec.template.spec.containers[0].image"); got != (Pos{Line: 6, Col: 1}) {
		t.Errorf("Pos of a changed file = %+v, want the document's first line", got)
	}
}

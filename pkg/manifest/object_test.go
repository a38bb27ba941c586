package manifest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"
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

// A released object is decoded again and finds its positions from a span
// of its file read by the caller, as from its own document; lone carriage
// returns are normalised as the loader did, and a span that no longer
// holds the document (the file changed) is refused.
func TestRedecodeAndPositionsFromASpan(t *testing.T) {
	text := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n" + strings.Replace(releaseDoc[len("\ufeff"):], "  name: b\n", "  name: b\r", 1)
	file := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	kept, _ := ReadFile(file, []byte(text), Limits{})
	objs, _ := ReadFile(file, []byte(text), Limits{})
	if len(objs) != 3 {
		t.Fatalf("got %d objects", len(objs))
	}
	for _, o := range objs {
		o.ReleaseDocument()
		o.ReleaseTyped()
	}
	off, end, docBytes := DocumentSpan(objs[1:])
	if docBytes == 0 || end <= off {
		t.Fatalf("DocumentSpan = %d, %d, %d", off, end, docBytes)
	}
	span := []byte(text)[off:end]
	job := objs[2]
	typed, _, err := job.Redecode(span, off, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	job.RestoreTyped(typed)
	if !reflect.DeepEqual(job.Typed, kept[2].Typed) || job.Released() {
		t.Errorf("decoded again: %+v, want %+v", job.Typed, kept[2].Typed)
	}
	paths := []string{"spec.template.spec.containers[0].image", "metadata.labels.app"}
	want := kept[2].Positions(paths)
	if got := job.PositionsIn(span, off, paths); !reflect.DeepEqual(got, want) {
		t.Errorf("PositionsIn = %+v, want %+v", got, want)
	}
	if _, _, err := job.Redecode(span[1:], off+1, Limits{}); err != nil {
		t.Errorf("a span that still holds the document: %v", err)
	}
	edited := append([]byte(nil), span...)
	edited[len(edited)-2] = 'y' // image: y
	if _, _, err := job.Redecode(edited, off, Limits{}); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("Redecode of a changed document: %v, want an error saying it changed", err)
	}
	if _, _, err := job.Redecode(span[:len(span)-1], off, Limits{}); err == nil {
		t.Error("Redecode from a span that ends inside the document: no error")
	}
}

// TestObjectSize: there is an Object for every object of the input, so a
// field more moves every one of them to the next size class.
func TestObjectSize(t *testing.T) {
	if got := unsafe.Sizeof(Object{}); got > 208 {
		t.Fatalf("an Object is %d bytes, want at most 208", got)
	}
}

package generate

import (
	"slices"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
)

// TestWellKnownInAmbient: an ambient pod has no Sidecar resource, so
// nothing blocks the metadata server and it gets no ServiceEntry, while
// kubernetes-api still mounts the token an API client needs.
func TestWellKnownInAmbient(t *testing.T) {
	job, err := Load("spec.yaml", []byte(`apiVersion: meshbatch.dev/v1alpha1
kind: BatchJob
metadata: {name: etl, namespace: batch}
spec:
  image: registry.example.com/etl:1
  command: ["/etl"]
  mesh: {istioVersion: "1.28", dataplane: ambient}
  wellKnownDestinations: [kubernetes-api, cloud-metadata, gcp-sts]
`))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range Generate(job) {
		kinds = append(kinds, o.Kind+" "+o.Name)
		if w, ok := o.Obj.(*batchv1.Job); ok {
			if a := w.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || !*a {
				t.Errorf("the pod does not mount its token: %v", a)
			}
		}
		if o.Kind == "Sidecar" || o.Name == "etl.cloud-metadata" {
			t.Errorf("ambient job got %s", o)
		}
	}
	if !slices.Contains(kinds, "ServiceEntry etl.gcp-sts") {
		t.Errorf("no ServiceEntry for gcp-sts: %v", kinds)
	}
}

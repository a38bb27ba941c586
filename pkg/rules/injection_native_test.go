package rules_test

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

func jobWithAnnotations(ann map[string]string) *rules.Workload {
	job := &batchv1.Job{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Annotations: ann},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app"}}},
	}}}
	return rules.WorkloadOf(&manifest.Object{Kind: "Job", Name: "j", Typed: job})
}

// TestNativeSidecarAnnotationValue holds NativeSidecar to the injection
// template's $nativeSidecar at the release tags
// (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml):
// 1.24.0-1.26.x take exactly "true", and any other value set overrides
// ENABLE_NATIVE_SIDECARS; 1.27.0 takes anything but "false", and an empty
// value falls back to istiod's setting.
func TestNativeSidecarAnnotationValue(t *testing.T) {
	const absent = "<absent>"
	for _, tc := range []struct {
		istio, env, value string
		want              mesh.Tri
	}{
		{"1.22", "false", "true", mesh.No}, // the annotation does not exist yet
		{"1.22", "true", "false", mesh.Yes},
		{"1.25", "false", "true", mesh.Yes},
		{"1.25", "false", "True", mesh.No},
		{"1.25", "true", "True", mesh.No}, // overrides ENABLE_NATIVE_SIDECARS
		{"1.25", "true", "yes", mesh.No},
		{"1.25", "true", "", mesh.No},
		{"1.25", "true", absent, mesh.Yes},
		{"1.26", "false", "false", mesh.No},
		{"1.27", "false", "True", mesh.Yes},
		{"1.27", "false", "False", mesh.Yes}, // case-sensitive: only "false" opts out
		{"1.27", "false", "yes", mesh.Yes},
		{"1.27", "true", "", mesh.Yes}, // empty: istiod decides
		{"1.27", "false", "", mesh.No},
		{"1.27", "true", "false", mesh.No},
		{"", "false", "false", mesh.No},
		{"", "", "true", mesh.Unknown},     // honoured from 1.24 only
		{"", "true", "True", mesh.Unknown}, // the strict reading is an assumption
	} {
		ann := map[string]string{}
		if tc.value != absent {
			ann[mesh.AnnotNative] = tc.value
		}
		v, err := mesh.ParseVersion(tc.istio)
		if err != nil {
			t.Fatal(err)
		}
		got, why := rules.NativeSidecar(mesh.Facts{IstioVersion: v, NativeSidecars: tc.env}, jobWithAnnotations(ann))
		if got != tc.want {
			t.Errorf("Istio %q, ENABLE_NATIVE_SIDECARS=%s, nativeSidecar %q: native %s (%s), want %s", tc.istio, tc.env, tc.value, got, why, tc.want)
		}
	}
}

package checks

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestMemoryLimitInForceNamesItsSource: a limit the pod does not annotate
// is called the chart's default only when it is that default.
func TestMemoryLimitInForceNamesItsSource(t *testing.T) {
	for _, tc := range []struct {
		limit, want, notWant string
	}{
		{"64Mi", "not Istio's chart default (1024Mi): it comes from the install's injector values", "most likely"},
		{"1Gi", "most likely the injector's default", "not Istio's chart default"},
		{"1024Mi", "most likely the injector's default", "not Istio's chart default"},
	} {
		pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:      "istio-proxy",
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(tc.limit)}},
		}}}}
		got := memoryLimitInForce(pod)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.notWant) {
			t.Errorf("limit %s: %q\nwant it to contain %q and not %q", tc.limit, got, tc.want, tc.notWant)
		}
	}
}

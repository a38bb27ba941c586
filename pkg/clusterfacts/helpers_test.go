package clusterfacts

import (
	"context"
	"reflect"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

func TestImageVersion(t *testing.T) {
	for image, want := range map[string]string{
		"docker.io/istio/pilot:1.28.1":                 "1.28.1",
		"docker.io/istio/pilot:1.28.1-distroless":      "1.28.1",
		"gcr.io/istio-release/pilot:1.27.0-beta.1":     "1.27.0-beta.1",
		"registry:5000/istio/pilot:1.26.3":             "1.26.3",
		"registry:5000/istio/pilot":                    "",
		"docker.io/istio/pilot@sha256:0123456789abcde": "",
		"docker.io/istio/pilot:latest":                 "",
		"docker.io/istio/pilot:1.28":                   "",
	} {
		if got := imageVersion(image); got != want {
			t.Errorf("imageVersion(%q) = %q, want %q", image, got, want)
		}
	}
}

// TestReleaseOfKeepsAReleasedPatch: a release tag gives its patch; a
// pre-release comes before its x.y.0, so it gives only the minor.
func TestReleaseOfKeepsAReleasedPatch(t *testing.T) {
	for tag, want := range map[string]string{
		"1.28.5":            "1.28.5",
		"1.28.5-distroless": "1.28.5",
		"v1.24.3":           "1.24.3",
		"1.28.0":            "1.28.0",
		"1.27.0-beta.1":     "1.27",
		"1.29.0-rc.0":       "1.29",
		"1.28":              "1.28",
		"latest":            "unknown",
		"":                  "unknown",
	} {
		if got := releaseOf(tag).String(); got != want {
			t.Errorf("releaseOf(%q) = %s, want %s", tag, got, want)
		}
	}
}

// TestNativeSidecars follows the variable's type change: a boolean up to
// 1.26, true/false/auto from 1.27 with anything else disabling it.
func TestNativeSidecars(t *testing.T) {
	v := func(minor int) mesh.Version { return mesh.Version{Major: 1, Minor: minor} }
	for _, c := range []struct {
		v           mesh.Version
		value, want string
	}{
		{v(22), "", "false"}, {v(26), "true", "true"}, {v(26), "1", "true"}, {v(26), "auto", "false"},
		{v(27), "", "auto"}, {v(28), "true", "true"}, {v(28), "false", "false"}, {v(28), "yes", "false"},
		{mesh.Version{}, "", ""}, {mesh.Version{}, "true", "true"},
	} {
		if got := nativeSidecars(c.v, c.value); got != c.want {
			t.Errorf("Istio %s, ENABLE_NATIVE_SIDECARS=%q: %q, want %q", c.v, c.value, got, c.want)
		}
	}
}

// TestMeshLayers: a shared mesh config under the revision's, merged as
// ApplyMeshConfig does: defaultConfig by field, trustDomainAliases
// unioned, other fields replaced.
func TestMeshLayers(t *testing.T) {
	d := deployment("istio-system", "1-28-1", "docker.io/istio/pilot:1.28.1", corev1.EnvVar{Name: "SHARED_MESH_CONFIG", Value: "istio-shared"})
	objs := []runtime.Object{
		configMap("istio-system", "istio-shared", "mesh", `
trustDomain: shared.example.com
trustDomainAliases: [old.example.com]
outboundTrafficPolicy: {mode: REGISTRY_ONLY}
defaultConfig:
  holdApplicationUntilProxyStarts: true
  proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true"}
`),
		configMap("istio-system", "istio-1-28-1", "mesh", `
trustDomain: prod.example.com
trustDomainAliases: [older.example.com]
defaultConfig:
  proxyMetadata: {ISTIO_META_DNS_AUTO_ALLOCATE: "true"}
`),
		configMap("istio-system", "istio-sidecar-injector-1-28-1", "values", `{"global":{"proxy":{"resources":{"requests":{"cpu":"50m"}}}}}`),
	}
	cs := fakeCluster(t, append(objs, d)...)
	r := &reader{ctx: context.Background(), cs: cs}
	revs := r.revisions()
	got := revs["1-28-1"].facts
	if got.TrustDomain != "prod.example.com" || !reflect.DeepEqual(got.TrustDomainAliases, []string{"old.example.com", "older.example.com"}) ||
		got.OutboundPolicy != "REGISTRY_ONLY" || got.HoldApplication != "true" || got.DNSAutoAllocate != "true" {
		t.Errorf("merged mesh facts: %+v", got)
	}
	if res := revs["1-28-1"].info.ProxyResources; res.CPU != "50m" || res.Memory != "" {
		t.Errorf("proxy resources: %+v", res)
	}
	if len(r.notes) > 0 {
		t.Errorf("notes: %q", r.notes)
	}
}

// TestAutoInjectAndConflicts: a webhook with the auto. selector
// (enableNamespacesByDefault) injects every unlabelled namespace but the
// ones Istio skips; two revisions selecting one namespace are a note.
func TestAutoInjectAndConflicts(t *testing.T) {
	objs := loadCluster(t, "testdata/istio-1.28-revisions")
	for _, o := range objs {
		if m, ok := o.(*admissionregistrationv1.MutatingWebhookConfiguration); ok && m.Name == "istio-sidecar-injector-1-26-3" {
			// Make 1-26-3 also serve istio.io/rev=1-28-1 namespaces.
			sel := &m.Webhooks[0].NamespaceSelector.MatchExpressions[0]
			sel.Values = append(sel.Values, "1-28-1")
		}
		if m, ok := o.(*admissionregistrationv1.MutatingWebhookConfiguration); ok && m.Name == "istio-revision-tag-default" {
			// enableNamespacesByDefault: the auto. webhook of the chart.
			auto := m.Webhooks[len(m.Webhooks)-1]
			auto.Name = "auto.sidecar-injector.istio.io"
			auto.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "istio-injection", Operator: metav1.LabelSelectorOpDoesNotExist},
				{Key: mesh.LabelRev, Operator: metav1.LabelSelectorOpDoesNotExist},
				{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system", "kube-public", "kube-node-lease", "local-path-storage"}},
			}}
			auto.ObjectSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "sidecar.istio.io/inject", Operator: metav1.LabelSelectorOpDoesNotExist},
				{Key: mesh.LabelRev, Operator: metav1.LabelSelectorOpDoesNotExist},
			}}
			m.Webhooks = append(m.Webhooks, auto)
		}
	}
	objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "pinned", Labels: map[string]string{mesh.LabelRev: "1-28-1"}}})
	cs := fakeCluster(t, objs...)
	ff, notes := Read(context.Background(), cs)
	if n := ff.Namespaces["pinned"]; n.Injection != mesh.InjectSidecar {
		t.Errorf("pinned: %+v", n)
	}
	// auto. injects the unlabelled tools and default with the default tag's revision.
	for _, ns := range []string{"tools", "default"} {
		if n := ff.Namespaces[ns]; n.Injection != mesh.InjectSidecar || n.Revision != "1-28-1" {
			t.Errorf("%s with an auto. webhook: %+v, want sidecar from 1-28-1", ns, n)
		}
	}
	if n := ff.Namespaces["kube-system"]; n.Injection != mesh.InjectDisabled {
		t.Errorf("kube-system: %+v", n)
	}
	found := false
	for _, n := range notes {
		found = found || strings.Contains(n, "namespace pinned is selected by the injectors of revisions")
	}
	if !found {
		t.Errorf("no note about the two injectors of namespace pinned: %q", notes)
	}
}

func deployment(ns, rev, image string, env ...corev1.EnvVar) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "istiod-" + rev, Namespace: ns, Labels: map[string]string{"app": "istiod", mesh.LabelRev: rev}},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "discovery", Image: image, Env: env}},
		}}},
	}
}

func configMap(ns, name, key, value string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: map[string]string{key: value}}
}

// TestIndirectEnv: a variable facts reads that istiod takes with
// valueFrom is said, and its default assumed.
func TestIndirectEnv(t *testing.T) {
	d := deployment("istio-system", "1-28-1", "docker.io/istio/pilot:1.28.1", corev1.EnvVar{
		Name: "ENABLE_NATIVE_SIDECARS", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "istiod-env"}, Key: "native"}},
	})
	r := &reader{ctx: context.Background(), cs: fakeCluster(t, d)}
	revs := r.revisions()
	if got := revs["1-28-1"].facts.NativeSidecars; got != "auto" {
		t.Errorf("nativeSidecars = %q, want the default auto", got)
	}
	if len(r.notes) == 0 || !strings.Contains(r.notes[0], "revision 1-28-1: istiod takes ENABLE_NATIVE_SIDECARS from a ConfigMap or Secret (valueFrom)") {
		t.Errorf("notes: %q", r.notes)
	}
}

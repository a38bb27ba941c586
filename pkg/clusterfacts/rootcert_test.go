package clusterfacts

import (
	"context"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/meshbatch/meshbatch/pkg/config"
)

// TestRootCert: the root certificate is read from istiod's namespace
// (the default revision's first), else the mesh root namespace, by name;
// an unreadable or missing one, or a forbidden read, is a note and no
// rootCert.
func TestRootCert(t *testing.T) {
	pemOf := func(t *testing.T) string {
		data, err := os.ReadFile("../rules/checks/testdata/MB706/good.yaml")
		if err != nil {
			t.Fatal(err)
		}
		// the first bundle of the fixture: the root that expires in 2036
		s := string(data)
		start := strings.Index(s, "-----BEGIN CERTIFICATE-----")
		end := strings.Index(s, "-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
		var lines []string
		for _, l := range strings.Split(s[start:end], "\n") {
			lines = append(lines, strings.TrimSpace(l))
		}
		return strings.Join(lines, "\n") + "\n"
	}
	root := func(ns, data string) runtime.Object {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "istio-ca-root-cert", Namespace: ns}, Data: map[string]string{"root-cert.pem": data}}
	}
	want := config.RootCertFacts{NotAfter: "2036-06-01T00:00:00Z", Subject: "O=cluster.local"}
	revs := map[string]*revision{"1-28-1": {name: "1-28-1", namespace: "istio-prod"}, "1-26-3": {name: "1-26-3", namespace: "istio-old"}}
	for _, tc := range []struct {
		name      string
		objs      []runtime.Object
		forbid    bool
		revs      map[string]*revision
		configMap string // "" when no rootCert
		note      string
	}{
		{"default revision's namespace first", []runtime.Object{root("istio-old", pemOf(t)), root("istio-prod", pemOf(t))}, false, revs, "istio-prod/istio-ca-root-cert", ""},
		{"other revision", []runtime.Object{root("istio-old", pemOf(t))}, false, revs, "istio-old/istio-ca-root-cert", ""},
		{"root namespace", []runtime.Object{root("mesh-root", pemOf(t))}, false, revs, "mesh-root/istio-ca-root-cert", ""},
		{"none", nil, false, revs, "", "no ConfigMap istio-ca-root-cert in istio-prod, istio-old, mesh-root"},
		{"unreadable", []runtime.Object{root("istio-prod", "garbage")}, false, revs, "", "ConfigMap istio-prod/istio-ca-root-cert: its root-cert.pem holds no PEM certificate (rootCert left out)"},
		{"forbidden", []runtime.Object{root("istio-prod", pemOf(t))}, true, revs, "", "cannot read ConfigMap istio-prod/istio-ca-root-cert: forbidden (rootCert left out)"},
		{"no Istio", []runtime.Object{root("istio-system", pemOf(t))}, false, nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := fakeCluster(t, tc.objs...)
			if tc.forbid {
				cs.PrependReactor("get", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, forbidden(schema.GroupResource{Resource: "configmaps"})
				})
			}
			r := &reader{ctx: context.Background(), cs: cs}
			got := r.rootCert(tc.revs, "1-28-1", "mesh-root")
			w := config.RootCertFacts{}
			if tc.configMap != "" {
				w = want
				w.ConfigMap = tc.configMap
			}
			if got != w {
				t.Errorf("rootCert = %+v, want %+v", got, w)
			}
			notes := strings.Join(r.notes, "\n")
			if (tc.note == "") != (notes == "") || !strings.Contains(notes, tc.note) {
				t.Errorf("notes = %q, want %q", notes, tc.note)
			}
			for _, a := range cs.Actions() {
				if a.GetVerb() != "get" {
					t.Errorf("a %s request: the reader may only get ConfigMaps", a.GetVerb())
				}
			}
		})
	}
}

// TestRootCertTrustBundle: in a bundle of roots of different subjects
// (no rotation) the facts keep the root that expires first, which the
// trust in its workloads' certificates hangs on.
func TestRootCertTrustBundle(t *testing.T) {
	data, err := os.ReadFile("../rules/checks/testdata/MB706/bad_trust_bundle.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var pem []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "-----BEGIN") || len(pem) > 0 && !strings.HasPrefix(pem[len(pem)-1], "-----END") || strings.HasPrefix(l, "-----END") {
			pem = append(pem, l)
		}
	}
	bundle := strings.Join(pem, "\n") + "\n"
	if n := strings.Count(bundle, "BEGIN CERTIFICATE"); n != 2 {
		t.Fatalf("the fixture gave %d certificates, want 2", n)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "istio-ca-root-cert", Namespace: "istio-system"}, Data: map[string]string{"root-cert.pem": bundle}}
	r := &reader{ctx: context.Background(), cs: fakeCluster(t, cm)}
	got := r.rootCert(map[string]*revision{"default": {name: "default", namespace: "istio-system"}}, "default", "istio-system")
	want := config.RootCertFacts{ConfigMap: "istio-system/istio-ca-root-cert", NotAfter: "2026-06-15T00:00:00Z", Subject: "O=cluster.local"}
	if got != want {
		t.Errorf("rootCert = %+v, want %+v", got, want)
	}
}

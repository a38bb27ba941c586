package mesh

import (
	"reflect"
	"testing"
	"time"
)

// TestWithCoversEveryFact: With must carry every fact but the two maps,
// so that a fact added to Facts is not silently the same in every
// revision.
func TestWithCoversEveryFact(t *testing.T) {
	o := Facts{
		IstioVersion: Version{Major: 1, Minor: 26}, KubernetesVersion: Version{Major: 1, Minor: 33}, KubeletVersion: Version{Major: 1, Minor: 31},
		NativeSidecars: "false", OutboundPolicy: "ALLOW_ANY", RootNamespace: "mesh-root",
		TrustDomain: "old.example.com", TrustAliases: []string{"a"}, MaxCertTTL: time.Hour,
		HoldApplication: "false", DNSAutoAllocate: "true", RootCertExpiry: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	v := reflect.ValueOf(o)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if v.Field(i).IsZero() && name != "Namespaces" && name != "Revisions" {
			t.Fatalf("the test sets no value for Facts.%s: add it here", name)
		}
	}
	base := Facts{IstioVersion: Version{Major: 1, Minor: 28}, NativeSidecars: "auto", Namespaces: map[string]Namespace{"a": {}}}
	got := base.With(o)
	want := o
	want.Namespaces = base.Namespaces
	if !reflect.DeepEqual(got, want) {
		t.Errorf("With:\n got %+v\nwant %+v", got, want)
	}
	if again := got.With(Facts{}); !reflect.DeepEqual(again, got) {
		t.Errorf("With of unknown facts changed %+v into %+v", got, again)
	}
}

func TestForNamespace(t *testing.T) {
	f := Facts{
		IstioVersion: Version{Major: 1, Minor: 28}, NativeSidecars: "auto", TrustDomain: "prod.example.com",
		Namespaces: map[string]Namespace{
			"legacy": {Injection: InjectSidecar, Revision: "1-26-3"},
			"batch":  {Injection: InjectSidecar, Revision: "1-28-1"},
			"tools":  {Injection: InjectNone},
		},
		Revisions: map[string]Facts{"1-26-3": {IstioVersion: Version{Major: 1, Minor: 26}, NativeSidecars: "false"}, "1-28-1": {}},
	}
	for ns, want := range map[string][2]string{
		"legacy": {"1.26", "false"}, "batch": {"1.28", "auto"}, "tools": {"1.28", "auto"}, "elsewhere": {"1.28", "auto"},
	} {
		g := f.ForNamespace(ns)
		if g.IstioVersion.String() != want[0] || g.NativeSidecars != want[1] || g.TrustDomain != "prod.example.com" {
			t.Errorf("ForNamespace(%s) = Istio %s, native %q, trust domain %q; want %s, %q, prod.example.com",
				ns, g.IstioVersion, g.NativeSidecars, g.TrustDomain, want[0], want[1])
		}
	}
}

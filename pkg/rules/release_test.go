package rules

import (
	"maps"
	"testing"
)

func TestPodLabels(t *testing.T) {
	m := map[string]string{"app": "etl", "tier": "", "sidecar.istio.io/inject": "true"}
	l := packLabels(m)
	if got := l.toMap(); !maps.Equal(got, m) {
		t.Fatalf("toMap = %v, want %v", got, m)
	}
	for k, v := range m {
		if got, ok := l.get(k); !ok || got != v {
			t.Fatalf("get(%q) = %q, %v; want %q, true", k, got, ok, v)
		}
	}
	if _, ok := l.get("version"); ok {
		t.Fatal(`get("version") found a label that is not there`)
	}
	for _, tc := range []struct {
		sel  map[string]string
		want bool
	}{
		{nil, true},
		{map[string]string{"app": "etl"}, true},
		{map[string]string{"app": "etl", "tier": ""}, true},
		{map[string]string{"app": "report"}, false},
		{map[string]string{"version": ""}, true}, // an absent label reads as "", as in a map
		{map[string]string{"app": "etl", "version": "v1"}, false},
	} {
		if got := l.matches(tc.sel); got != tc.want || got != matchLabelsOn(tc.sel, m) {
			t.Fatalf("matches(%v) = %v, want %v (as matchLabelsOn)", tc.sel, got, tc.want)
		}
	}
	// No labels and empty labels stay apart: MB510 tells them apart.
	if packLabels(nil).toMap() != nil {
		t.Fatal("nil labels unpacked to a map")
	}
	if got := packLabels(map[string]string{}).toMap(); got == nil || len(got) != 0 {
		t.Fatalf("empty labels unpacked to %v, want an empty map", got)
	}
}

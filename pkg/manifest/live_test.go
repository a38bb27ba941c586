package manifest

import "testing"

func TestIsLive(t *testing.T) {
	for file, want := range map[string]bool{
		"/tmp/meshbatch-live-123456.yaml": true,
		"spool/meshbatch-live-9.yaml":     true,
		"deploy/etl.yaml":                 false,
		"<stdin>":                         false,
		"/tmp/meshbatch-live-1.json":      false,
	} {
		if got := (&Object{File: file}).IsLive(); got != want {
			t.Errorf("IsLive(%q) = %v, want %v", file, got, want)
		}
	}
}

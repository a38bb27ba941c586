package main

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	installed := &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}
	checkout := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-11-27T01:00:00Z"},
	}}
	for _, tc := range []struct {
		name     string
		info     *debug.BuildInfo
		in, want [3]string
	}{
		{"go install @version", installed, [3]string{"dev", "none", "unknown"}, [3]string{"v0.4.0", "none", "unknown"}},
		{"go build in a checkout", checkout, [3]string{"dev", "none", "unknown"}, [3]string{"dev", "0123456", "2026-11-27T01:00:00Z"}},
		{"ldflags win", checkout, [3]string{"v1.0.0", "abcdef0", "2026-01-01"}, [3]string{"v1.0.0", "abcdef0", "2026-01-01"}},
	} {
		v, c, d := fromBuildInfo(tc.info, tc.in[0], tc.in[1], tc.in[2])
		if got := [3]string{v, c, d}; got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

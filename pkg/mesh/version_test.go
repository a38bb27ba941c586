package mesh

import (
	"fmt"
	"testing"
)

func TestParseVersionKeepsAKnownPatch(t *testing.T) {
	for _, tc := range []struct {
		in, str   string
		patch     int
		havePatch bool
	}{
		{"", "unknown", 0, false},
		{"1.28", "1.28", 0, false},
		{"v1.28", "1.28", 0, false},
		{"1.28.0", "1.28.0", 0, true},
		{"1.28.5", "1.28.5", 5, true},
		{"v1.24.3", "1.24.3", 3, true},
	} {
		v, err := ParseVersion(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		p, ok := v.Patch()
		if v.String() != tc.str || ok != tc.havePatch || (ok && p != tc.patch) {
			t.Errorf("%q: got %s, patch %d %v; want %s, patch %d %v", tc.in, v, p, ok, tc.str, tc.patch, tc.havePatch)
		}
		if v.Known() != (tc.in != "") {
			t.Errorf("%q: Known() = %v", tc.in, v.Known())
		}
		if m := v.MinorOnly(); v.Known() && (m.String() != fmt.Sprintf("%d.%d", v.Major, v.Minor) || m.Minor != v.Minor) {
			t.Errorf("%q: MinorOnly() = %s", tc.in, m)
		}
	}
	for _, bad := range []string{"1", "1.28.3.1", "1.x", "1.28.x", "1.28.-1", "1.28.+1", "latest", "1..2"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestZeroVersionIsUnknownAndAPatchDoesNotMakeItKnown(t *testing.T) {
	var v Version
	if v.Known() || v.AtLeast(1, 0) != Unknown || v.AtLeastPatch(1, 24, 4) != Unknown {
		t.Errorf("the zero version is not unknown")
	}
	if _, ok := v.Patch(); ok {
		t.Errorf("the zero version has a patch")
	}
	if got := (Version{Major: 1, Minor: 28}).WithPatch(0); !got.Known() || got.String() != "1.28.0" {
		t.Errorf("1.28 at patch 0 = %s", got)
	}
}

func TestAtLeastPatchAtTheBoundary(t *testing.T) {
	v := func(s string) Version {
		t.Helper()
		v, err := ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		v    string
		want Tri
	}{
		{"1.24.3", No},
		{"1.24.4", Yes},
		{"1.24.10", Yes},
		{"1.24", Unknown}, // some patches of 1.24 are, some are not
		{"1.23", No},
		{"1.23.9", No},
		{"1.25", Yes},
		{"1.25.0", Yes},
		{"", Unknown},
	} {
		if got := v(tc.v).AtLeastPatch(1, 24, 4); got != tc.want {
			t.Errorf("%q >= 1.24.4: %s, want %s", tc.v, got, tc.want)
		}
	}
	if got := v("1.24").AtLeastPatch(1, 24, 0); got != Yes {
		t.Errorf("1.24 >= 1.24.0: %s, want yes", got)
	}
}

package main

import "testing"

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64 // 0: an error
		str  string
	}{
		{"10", 10, "10"},
		{"1K", 1 << 10, "1KiB"},
		{"1KiB", 1 << 10, "1KiB"},
		{"64MiB", 64 << 20, "64MiB"},
		{"64mib", 64 << 20, "64MiB"},
		{"512M", 512 << 20, "512MiB"},
		{"2G", 2 << 30, "2GiB"},
		{"1536K", 1536 << 10, "1536KiB"},
		{"100B", 100, "100"},
		{"0", 0, ""},
		{"-1", 0, ""},
		{"-1M", 0, ""},
		{"abc", 0, ""},
		{"1.5M", 0, ""},
		{"", 0, ""},
		{"99999999999G", 0, ""},
	} {
		var b byteSize
		err := b.Set(tc.in)
		switch {
		case tc.want == 0 && err == nil:
			t.Errorf("Set(%q) = %d, want an error", tc.in, b)
		case tc.want != 0 && err != nil:
			t.Errorf("Set(%q): %v", tc.in, err)
		case tc.want != 0 && (int64(b) != tc.want || b.String() != tc.str):
			t.Errorf("Set(%q) = %d (%s), want %d (%s)", tc.in, b, b.String(), tc.want, tc.str)
		}
	}
	var p positiveInt
	for _, bad := range []string{"0", "-3", "x", "1.5"} {
		if p.Set(bad) == nil {
			t.Errorf("positiveInt.Set(%q) accepted", bad)
		}
	}
	if p.Set("32") != nil || p != 32 {
		t.Errorf("positiveInt.Set(32) = %d", p)
	}
}

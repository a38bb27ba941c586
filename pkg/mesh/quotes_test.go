package mesh

import (
	"strings"
	"testing"
)

func TestTypographicallyQuoted(t *testing.T) {
	for _, tc := range []struct {
		v, inner string
		ok       bool
	}{
		{"“false”", "false", true},
		{"‘true’", "true", true},
		{"„enabled“", "enabled", true},
		{"«ambient»", "ambient", true},
		{"\"“true”\"", "true", true}, // ASCII quotes kept by a double quoting
		{"true”", "true", true},      // only one mark made it
		{"true", "", false},
		{"", "", false},
		{"“”", "", false},
		{"it’s", "", false}, // an apostrophe inside a word
	} {
		inner, ok := TypographicallyQuoted(tc.v)
		if inner != tc.inner || ok != tc.ok {
			t.Errorf("TypographicallyQuoted(%q) = %q, %v; want %q, %v", tc.v, inner, ok, tc.inner, tc.ok)
		}
	}
	if n := QuoteNote("sidecar.istio.io/inject", "“false”"); !strings.Contains(n, `does not read it as "false"`) || !strings.Contains(n, "sidecar.istio.io/inject") {
		t.Errorf("QuoteNote: %q", n)
	}
	if n := QuoteNote("sidecar.istio.io/inject", "false"); n != "" {
		t.Errorf("QuoteNote of an ordinary value: %q", n)
	}
}

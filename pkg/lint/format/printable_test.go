package format

import "testing"

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"Job batch/etl":           "Job batch/etl",
		"tab\there, ünïcödé €":    "tab\there, ünïcödé €",
		"x\n::error::y":           `x\n::error::y`,
		"a\r\nb":                  `a\r\nb`,
		"\x1b[31mred\x1b[0m":      `\x1b[31mred\x1b[0m`,
		"nul\x00del\x7f":          `nul\x00del\x7f`,
		"c1\u0085\u009b":          `c1\u0085\u009b`,
		"bidi\u202eevil\u2066x":   `bidi\u202eevil\u2066x`,
		"line\u2028sep\u2029para": `line\u2028sep\u2029para`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

package format

import (
	"fmt"
	"strings"
)

// Printable escapes the characters of s that a terminal or a CI log would
// act on rather than show: line breaks (a file or object name holding
// "\n::warning::" would start a GitHub Actions workflow command in the
// text report), escape sequences (colours, cursor moves that hide lines),
// C1 controls, and the bidirectional overrides that reorder what is shown.
// They come out as \n, \x1b, \u202e. Text from the input (file names,
// object names, values in messages) goes through it in the formats that
// print raw text; the structured formats escape in their own syntax.
func Printable(s string) string {
	if !strings.ContainsFunc(s, unprintable) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unprintable(r):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func unprintable(r rune) bool {
	switch {
	case r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	}
	return false
}

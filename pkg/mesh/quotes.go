package mesh

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// typographicQuotes are the quote marks word processors, chat tools and
// web pages put where a YAML author meant ASCII quotes.
const typographicQuotes = "“”„‟‘’‚‛«»‹›＂″"

// TypographicallyQuoted reports whether a value starts or ends with a
// typographic quote mark (“false”, ‘true’, „enabled“), a copy-paste
// accident: YAML takes such marks for part of the value, so Istio, which
// compares the characters, reads neither "false" nor "true". It returns
// the value without the quote marks around it.
func TypographicallyQuoted(v string) (inner string, ok bool) {
	if ascii(v) { // every typographic quote mark is outside ASCII
		return "", false
	}
	t := strings.Trim(v, `"' `)
	first, _ := utf8.DecodeRuneInString(t)
	last, _ := utf8.DecodeLastRuneInString(t)
	if !strings.ContainsRune(typographicQuotes, first) && !strings.ContainsRune(typographicQuotes, last) {
		return "", false
	}
	inner = strings.Trim(v, typographicQuotes+`"' `)
	return inner, inner != ""
}

// QuoteNote is, for a value Istio compares (key names the label,
// annotation or field), "" when the value is ordinary and otherwise a note
// for the end of the message that reads it: the value is in typographic
// quotes, which are part of it.
func QuoteNote(key, v string) string {
	inner, ok := TypographicallyQuoted(v)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (%s is %s in typographic quotes, a copy-paste accident: YAML keeps them in the value, and "+
		"Istio, comparing the characters, does not read it as %q; write %q)", key, v, inner, inner)
}

// ascii reports whether v holds ASCII bytes only: the values of almost
// every label and annotation, which QuoteNote reads for each workload.
func ascii(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

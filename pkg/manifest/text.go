package manifest

import (
	"bytes"
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// yaml.v3 reports input that is not text (binary files, another encoding)
// with a "reader" message and no line; these are its messages for UTF-8
// input.
var readerProblems = []string{
	"invalid leading UTF-8 octet",
	"incomplete UTF-8 octet sequence",
	"invalid trailing UTF-8 octet",
	"invalid length of a UTF-8 sequence",
	"invalid Unicode character",
	"control characters are not allowed",
}

// parserProblems are yaml.v3's parser messages: it reports their line
// counted from 0, unlike its scanner's.
var parserProblems = []string{
	"did not find expected",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
	"found duplicate %TAG directive",
}

func parserProblem(msg string) bool {
	for _, p := range parserProblems {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

var unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// refineParseError makes a parse error of doc say where it is and what to
// do when yaml.v3 does not: the line and column of the first byte that is
// not YAML text, and the tab behind "cannot start any token". It never
// quotes the document's text.
func refineParseError(doc []byte, pe *PosError) *PosError {
	for _, p := range readerProblems {
		if pe.Msg != p {
			continue
		}
		if off, msg := firstNonText(doc); off >= 0 {
			return &PosError{Pos: offsetPos(doc, off), Msg: msg}
		}
		return pe
	}
	if parserProblem(pe.Msg) {
		// yaml.v3 names the line where the enclosing mapping or list
		// starts; the problem may be many lines below.
		return &PosError{Pos: Pos{Line: problemLine(doc, pe.Msg, pe.Pos.Line), Col: 1}, Msg: pe.Msg}
	}
	if m := unknownAnchorRE.FindStringSubmatch(pe.Msg); m != nil {
		// yaml.v3 names the alias, which may be a value that starts with
		// "*" (a password, say) rather than an alias: say where, not what.
		pos := pe.Pos
		if i := bytes.Index(doc, []byte("*"+m[1])); i >= 0 {
			pos = offsetPos(doc, i)
		}
		return &PosError{Pos: pos, Msg: "an alias (*name) refers to an anchor (&name) not defined before it; quote a value that starts with *"}
	}
	if pe.Msg == "found character that cannot start any token" || strings.Contains(pe.Msg, "tab character") {
		if p, ok := leadingTab(doc, pe.Pos.Line); ok {
			msg := pe.Msg
			if !strings.Contains(msg, "tab") {
				msg += " (a tab: YAML indents with spaces only)"
			}
			return &PosError{Pos: p, Msg: msg}
		}
	}
	return pe
}

// firstNonText finds the first byte of doc that YAML does not accept as
// text, and says what it is without echoing it.
func firstNonText(doc []byte) (offset int, msg string) {
	if bytes.HasPrefix(doc, utf8BOM) {
		doc, offset = doc[len(utf8BOM):], len(utf8BOM)
	}
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return offset + i, "not UTF-8 text (a binary file, or another encoding?): manifests are UTF-8"
		case !yamlPrintable(r):
			hint := ""
			switch {
			case r == 0x1b:
				hint = " (a terminal colour code? pipe uncoloured output)"
			case r < 0x20 || r == 0x7f:
				hint = " (a binary file?)"
			}
			return offset + i, fmt.Sprintf("control character U+%04X is not allowed in YAML%s", r, hint)
		}
		i += size
	}
	return -1, ""
}

// yamlPrintable mirrors the characters yaml.v3's reader accepts.
func yamlPrintable(r rune) bool {
	switch {
	case r == 0x09, r == 0x0A, r == 0x0D, r == 0x85:
	case r >= 0x20 && r <= 0x7E:
	case r >= 0xA0 && r <= 0xD7FF:
	case r >= 0xE000 && r <= 0xFFFD:
	case r >= 0x10000 && r <= 0x10FFFF:
	default:
		return false
	}
	return true
}

// offsetPos turns a byte offset of doc into a 1-based line and column,
// counting columns in characters as yaml.v3 does.
func offsetPos(doc []byte, off int) Pos {
	off = min(off, len(doc))
	line := 1 + bytes.Count(doc[:off], []byte("\n"))
	start := bytes.LastIndexByte(doc[:off], '\n') + 1
	return Pos{Line: line, Col: 1 + utf8.RuneCount(doc[start:off])}
}

// leadingTab finds a tab in the indentation of line or the line after it
// (yaml.v3 names either), 1-based.
func leadingTab(doc []byte, line int) (Pos, bool) {
	lines := bytes.SplitN(doc, []byte("\n"), line+2)
	for l := line; l <= line+1 && l <= len(lines); l++ {
		text := lines[l-1]
		indent := len(text) - len(bytes.TrimLeft(text, " \t"))
		if i := bytes.IndexByte(text[:indent], '\t'); i >= 0 {
			return Pos{Line: l, Col: i + 1}, true
		}
	}
	return Pos{}, false
}

// maxBisect is the largest document problemLine bisects: each step parses
// a prefix again, which is nothing for a manifest and too much for a huge
// generated document, where yaml.v3's line stands.
const maxBisect = 1 << 20

// problemLine finds the line of a parser error: the first line from which
// on the document's prefix fails with the same message, by bisection over
// the lines from the one yaml.v3 named (a few parses, on errors only).
func problemLine(doc []byte, msg string, from int) int {
	if len(doc) > maxBisect {
		return from
	}
	var ends []int // ends[i]: the offset just past line i+1
	for i, b := range doc {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(doc) {
		ends = append(ends, len(doc))
	}
	fails := func(line int) bool {
		var n yaml.Node
		err := yaml.Unmarshal(doc[:ends[line-1]], &n)
		if err == nil {
			return false
		}
		m := yamlLineRE.FindStringSubmatch(err.Error())
		return m != nil && m[2] == msg
	}
	lo, hi := max(from, 1), len(ends)
	if lo > hi {
		// yaml.v3 named the end of the document (a list or mapping left
		// open): look for the line that opened it.
		lo = 1
	}
	if !fails(hi) {
		return min(from, hi)
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// looksNumeric reports whether s is made of what YAML numbers are made of
// (digits, signs, a point, an exponent, 0x/0o prefixes, underscores).
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range strings.ToLower(s) {
		if !strings.ContainsRune("0123456789+-._xoeabcdf", r) {
			return false
		}
	}
	return strings.ContainsAny(s, "0123456789")
}

// DenseFactor bounds the nodes a document may hold before it is parsed:
// yaml.v3 builds every node before meshbatch sees any, and a node weighs
// many times the two bytes of "a," that make one. A node starts after a
// comma or a line break (or holds a key and a value between two of them),
// so a document with more than DenseFactor × MaxNodes of those is refused
// unparsed: it could not stay under MaxNodes anyway, unless most of its
// lines are one long block scalar.
const DenseFactor = 2

// tooDense is the error of a document refused unparsed, nil when it is
// not.
func tooDense(doc []byte, lim Limits) *PosError {
	n := bytes.Count(doc, []byte{'\n'}) + bytes.Count(doc, []byte{','})
	if n <= DenseFactor*lim.MaxNodes {
		return nil
	}
	hint := lim.Hints[LimitNodes]
	msg := fmt.Sprintf("document has %d line breaks and commas, more than %d (2 × %s), so it is not parsed: "+
		"each may start a node, which costs memory%s",
		n, DenseFactor*lim.MaxNodes, cmp.Or(hint, "the node limit"), hintf("; raise %s if it is real", hint))
	return &PosError{Pos: Pos{Line: 1, Col: 1}, Msg: msg, Limit: LimitNodes}
}

// NormalizeLineBreaks turns every carriage return that is not followed by
// a line feed (old Mac line endings) into a line feed, in place, and
// returns data. YAML counts a lone CR as a line break, and meshbatch
// counts lines by line feeds: without this a file with lone CRs got
// positions past its last line. Scalars do not change: YAML folds line
// breaks of every kind into line feeds anyway.
func NormalizeLineBreaks(data []byte) []byte {
	for i := bytes.IndexByte(data, '\r'); i >= 0; {
		if i+1 >= len(data) || data[i+1] != '\n' {
			data[i] = '\n'
		}
		j := bytes.IndexByte(data[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return data
}

// hasLoneCR reports whether NormalizeLineBreaks would change data.
func hasLoneCR(data []byte) bool {
	for i := bytes.IndexByte(data, '\r'); i >= 0; {
		if i+1 >= len(data) || data[i+1] != '\n' {
			return true
		}
		j := bytes.IndexByte(data[i+1:], '\r')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

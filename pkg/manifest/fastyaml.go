package manifest

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// The fast path: a scanner for the block-style YAML that Kubernetes
// manifests are written in, much cheaper than building a yaml.v3 node tree
// (a heap object per scalar). It takes block mappings and
// sequences indented with spaces, plain and quoted scalars on one line,
// comments, one-line flow collections (also as the whole document) and
// |/> block scalars without an indentation indicator. On anything else
// (anchors, aliases, tags, merge keys, multi-line plain or quoted scalars,
// tabs outside scalars, complex keys, directives) and on anything it is
// not sure yaml.v3 reads the same way, it declines, and the document takes
// the yaml.v3 path, which also makes every error message and position.
// What it accepts, it must read exactly as yaml.v3 does: fastyaml_test.go
// and the FuzzFastPath* targets hold it to that, node for node, position
// for position and byte for byte of JSON.

type fkind uint8

const (
	fScalar fkind = iota
	fMap
	fSeq
)

type fstyle uint8

const (
	fPlain fstyle = iota
	fSingle
	fDouble
	fLiteral
	fFolded
)

// fnode is a node of a parsed document, in document order: a collection is
// followed by its children (a mapping's alternate key, value), and next is
// the index just past its subtree.
type fnode struct {
	off, end int32 // a scalar's text: doc[off:end], or strs[off:end] if inStrs
	next     int32
	pos      int32 // where the node starts in doc, as yaml.v3 places it
	kind     fkind
	style    fstyle
	inStrs   bool
}

// ftok is a scanned scalar not yet stored.
type ftok struct {
	off, end int
	start    int // where the token starts (its opening quote, its indicator)
	after    int // just past the scalar (its closing quote, its last non-space)
	style    fstyle
	inStrs   bool
}

type fastParser struct {
	d         []byte
	pos       int // the scanner's position, on the current line
	lineStart int // start of the first line not consumed yet
	maxDepth  int
	maxNodes  int
	nodes     []fnode
	strs      []byte  // text of scalars that differs from their source (escapes, block scalars)
	keys      []int32 // scratch for duplicate checks
	scratch   []byte  // JSON text for UnmarshalJSON methods
	lastNS    string  // the namespace of the last object read, shared by the next ones that name it
}

var fastParsers = sync.Pool{New: func() any { return new(fastParser) }}

// maxFastKey bounds keys: yaml.v3 refuses a key whose ':' is more than 1024
// characters after its start.
const maxFastKey = 1000

// parse reads doc; false means not in the subset (or not valid YAML).
// Limits are those of the converter: deeper or larger documents decline,
// so that the yaml.v3 path reports them.
func (p *fastParser) parse(doc []byte, lim Limits) bool {
	*p = fastParser{d: doc, maxDepth: lim.MaxDepth, maxNodes: lim.MaxNodes,
		nodes: p.nodes[:0], strs: p.strs[:0], keys: p.keys[:0], scratch: p.scratch[:0]}
	if len(doc) >= 1<<31-1 || !fastText(doc) {
		return false
	}
	ind, ok := p.nextContent()
	if !ok || ind < 0 || p.d[p.pos] == '-' && p.blankAt(p.pos+1) {
		return false // empty, or a list: the yaml.v3 path says what is wrong
	}
	if p.d[p.pos] == '{' { // a one-line flow mapping: JSON-like annotations
		if !p.flow(0) || !p.endLine(p.pos) {
			return false
		}
	} else if !p.blockMapping(ind, 0) {
		return false
	}
	ind, ok = p.nextContent()
	return ok && ind < 0
}

// fastText reports whether doc holds only characters the scanner handles:
// what yaml.v3 reads as text, minus the line breaks other than LF and CRLF
// and the byte order mark.
func fastText(d []byte) bool {
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			continue
		}
		if c == '\r' {
			if i+1 < len(d) && d[i+1] == '\n' {
				continue
			}
			return false
		}
		if c < 0x80 {
			return false
		}
		r, size := utf8.DecodeRune(d[i:])
		switch {
		case r == utf8.RuneError && size <= 1, r == 0x2028, r == 0x2029, r == 0xFEFF:
			return false
		case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
		i += size - 1
	}
	return true
}

func (p *fastParser) atEOL(i int) bool {
	return i >= len(p.d) || p.d[i] == '\n' || p.d[i] == '\r' // a CR is always followed by LF here
}

// blankAt: a space or the end of the line (a tab is neither: the fast path
// declines it).
func (p *fastParser) blankAt(i int) bool {
	return p.atEOL(i) || p.d[i] == ' '
}

func (p *fastParser) skipSpaces(i int) int {
	for i < len(p.d) && p.d[i] == ' ' {
		i++
	}
	return i
}

func (p *fastParser) nextLine(i int) int {
	if j := bytes.IndexByte(p.d[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(p.d)
}

// nextContent skips blank and comment lines from p.lineStart and returns the
// indentation of the next line with content, with p.pos at its first
// character, or -1 at the end of the document. It does not consume that
// line, so calling it again returns the same.
func (p *fastParser) nextContent() (int, bool) {
	d := p.d
	i := p.lineStart
	for i < len(d) {
		ls := i
		i = p.skipSpaces(i)
		if i == len(d) {
			break
		}
		switch d[i] {
		case '\n', '\r', '#':
			i = p.nextLine(i)
			continue
		case '\t':
			return 0, false
		case '%':
			if i == ls {
				return 0, false // a directive
			}
		case '-', '.':
			if i == ls && i+3 <= len(d) && (bytes.HasPrefix(d[i:], []byte("---")) || bytes.HasPrefix(d[i:], []byte("..."))) &&
				(i+3 == len(d) || d[i+3] == ' ' || d[i+3] == '\t' || d[i+3] == '\n' || d[i+3] == '\r') {
				return 0, false // a document marker
			}
		}
		p.lineStart, p.pos = ls, i
		return i - ls, true
	}
	p.lineStart, p.pos = len(d), len(d)
	return -1, true
}

// endLine checks that only spaces and a comment follow position i on its
// line, and consumes the line.
func (p *fastParser) endLine(i int) bool {
	j := p.skipSpaces(i)
	if j < len(p.d) && p.d[j] == '#' {
		if j == i {
			return false // a comment needs a space before it
		}
	} else if !p.atEOL(j) {
		return false
	}
	p.lineStart = p.nextLine(j)
	return true
}

func (p *fastParser) push(n fnode) bool {
	if len(p.nodes) >= p.maxNodes {
		return false
	}
	n.next = int32(len(p.nodes) + 1)
	p.nodes = append(p.nodes, n)
	return true
}

func (p *fastParser) pushTok(t ftok, depth int) bool {
	if depth > p.maxDepth {
		return false
	}
	if t.style == fPlain && t.end-t.off == 2 && p.d[t.off] == '<' && p.d[t.off+1] == '<' {
		return false // tagged !!merge, even as a value
	}
	return p.push(fnode{off: int32(t.off), end: int32(t.end), pos: int32(t.start), kind: fScalar, style: t.style, inStrs: t.inStrs})
}

// open starts a collection; close ends it.
func (p *fastParser) open(k fkind, depth int) (int, bool) {
	if depth > p.maxDepth || !p.push(fnode{kind: k, pos: int32(p.pos)}) {
		return 0, false
	}
	return len(p.nodes) - 1, true
}

func (p *fastParser) close(i int) { p.nodes[i].next = int32(len(p.nodes)) }

func (p *fastParser) isSeqEntry() bool {
	return p.pos < len(p.d) && p.d[p.pos] == '-' && p.blankAt(p.pos+1)
}

// blockMapping reads a block mapping whose keys are at column n, the first
// at p.pos.
func (p *fastParser) blockMapping(n, depth int) bool {
	m, ok := p.open(fMap, depth)
	if !ok {
		return false
	}
	for {
		if !p.key(depth+1, false) || !p.mapValue(n, depth+1) {
			return false
		}
		ind, ok := p.nextContent()
		switch {
		case !ok || ind > n:
			return false // more indented: a continuation line or an error
		case ind < n:
			p.close(m)
			return true
		case p.isSeqEntry():
			return false // a list entry after a value
		}
	}
}

// key reads a mapping key at p.pos and the ':' after it, leaving p.pos
// just past the ':'.
func (p *fastParser) key(depth int, flow bool) bool {
	start := p.pos
	t, ok := p.scalar(flow)
	if !ok {
		return false
	}
	k := p.skipSpaces(t.after)
	if k >= len(p.d) || p.d[k] != ':' || !p.blankAt(k+1) || k-start > maxFastKey {
		return false
	}
	if flow && (k+1 >= len(p.d) || p.d[k+1] != ' ') {
		return false
	}
	if !p.pushTok(t, depth) {
		return false
	}
	p.pos = k + 1
	return true
}

// mapValue reads the value after a key of a mapping at column n.
func (p *fastParser) mapValue(n, depth int) bool {
	i := p.skipSpaces(p.pos)
	if p.atEOL(i) || p.d[i] == '#' {
		if i == p.pos && !p.atEOL(i) {
			return false
		}
		p.lineStart = p.nextLine(i)
		return p.nextLinesValue(n, depth, true, i)
	}
	p.pos = i
	return p.inlineValue(n, depth)
}

// nextLinesValue reads a value that starts on the lines after its key or
// list entry, in a collection at column n: a more indented mapping, list or
// one-line flow collection, a list at the same column after a key, or
// nothing (null).
// A null is placed at nullAt.
func (p *fastParser) nextLinesValue(n, depth int, inMap bool, nullAt int) bool {
	ind, ok := p.nextContent()
	switch {
	case !ok:
		return false
	case ind > n && p.isSeqEntry():
		return p.blockSeq(ind, depth)
	case ind > n && (p.d[p.pos] == '[' || p.d[p.pos] == '{'):
		return p.flow(depth) && p.endLine(p.pos) // "spec:\n  {}"
	case ind > n:
		return p.blockMapping(ind, depth) // declines a scalar on its own line
	case ind == n && inMap && p.isSeqEntry():
		return p.blockSeq(n, depth)
	}
	return p.pushTok(ftok{style: fPlain, start: nullAt}, depth) // null
}

// blockSeq reads a block list whose entries are at column n.
func (p *fastParser) blockSeq(n, depth int) bool {
	s, ok := p.open(fSeq, depth)
	if !ok {
		return false
	}
	for {
		i := p.pos + 1 // past the '-'
		j := p.skipSpaces(i)
		switch {
		case p.atEOL(j) || p.d[j] == '#' && j > i:
			p.lineStart = p.nextLine(j)
			if !p.nextLinesValue(n, depth+1, false, i) { // yaml.v3 puts a null entry just past its '-'
				return false
			}
		case p.d[j] == '-' && p.blankAt(j+1):
			return false // a list in a list entry
		case p.d[j] == '[' || p.d[j] == '{' || p.d[j] == '|' || p.d[j] == '>':
			p.pos = j
			if !p.inlineValue(n, depth+1) {
				return false
			}
		default:
			// A key makes the entry a mapping at its column.
			p.pos = j
			mark := len(p.strs)
			t, ok := p.scalar(false)
			if !ok {
				return false
			}
			p.strs = p.strs[:mark]
			k := p.skipSpaces(t.after)
			p.pos = j
			if k < len(p.d) && p.d[k] == ':' && p.blankAt(k+1) {
				ok = p.blockMapping(j-p.lineStart, depth+1)
			} else {
				ok = p.inlineValue(n, depth+1)
			}
			if !ok {
				return false
			}
		}
		ind, ok := p.nextContent()
		switch {
		case !ok || ind > n:
			return false
		case ind < n || !p.isSeqEntry():
			// A key at column n ends a list that is a mapping value at the
			// same column; anywhere else the parent declines it.
			p.close(s)
			return true
		}
	}
}

// inlineValue reads a value that starts at p.pos, on the line of its key or
// list entry, in a block collection at column n.
func (p *fastParser) inlineValue(n, depth int) bool {
	switch p.d[p.pos] {
	case '|', '>':
		return p.blockScalar(n, depth)
	case '[', '{':
		return p.flow(depth) && p.endLine(p.pos)
	}
	t, ok := p.scalar(false)
	if !ok {
		return false
	}
	if k := p.skipSpaces(t.after); k < len(p.d) && p.d[k] == ':' {
		return false // "a: b: c", or a quoted key where a value belongs
	}
	return p.pushTok(t, depth) && p.endLine(t.after)
}

// scalar scans a plain or quoted scalar at p.pos.
func (p *fastParser) scalar(flow bool) (t ftok, ok bool) {
	if p.pos >= len(p.d) {
		return ftok{}, false
	}
	switch p.d[p.pos] {
	case '\'':
		t, ok = p.singleQuoted()
	case '"':
		t, ok = p.doubleQuoted()
	default:
		if !p.plainStart(flow) {
			return ftok{}, false
		}
		t, ok = p.plain(flow)
	}
	t.start = p.pos
	return t, ok
}

// plainStart reports whether a plain scalar may start at p.pos.
func (p *fastParser) plainStart(flow bool) bool {
	d := p.d
	switch d[p.pos] {
	case '-':
		if p.pos+1 >= len(d) {
			return false
		}
		switch d[p.pos+1] {
		case ' ', '\t', '\n', '\r':
			return false
		case ',', '[', ']', '{', '}':
			return !flow
		}
		return true
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\t', '\n', '\r':
		return false
	}
	return true
}

// plain scans a one-line plain scalar: in block context it ends at ": ",
// " #" or the end of the line; in flow context also at ",[]{}", and the
// characters whose meaning there is subtle decline.
func (p *fastParser) plain(flow bool) (ftok, bool) {
	d := p.d
	start, end := p.pos, p.pos
	for i := start; i < len(d); i++ {
		switch d[i] {
		case '\n', '\r':
			return ftok{off: start, end: end, after: end}, true
		case ' ':
			continue
		case '\t':
			return ftok{}, false
		case '#':
			if d[i-1] == ' ' {
				return ftok{off: start, end: end, after: end}, true
			}
			if flow {
				return ftok{}, false
			}
		case ':':
			if i+1 >= len(d) || d[i+1] == ' ' || d[i+1] == '\n' || d[i+1] == '\r' {
				return ftok{off: start, end: end, after: end}, true
			}
			if flow || d[i+1] == '\t' {
				return ftok{}, false
			}
		case ',', '[', ']', '{', '}':
			if flow {
				return ftok{off: start, end: end, after: end}, true
			}
		case '?':
			if flow {
				return ftok{}, false
			}
		}
		end = i + 1
	}
	return ftok{off: start, end: end, after: end}, true
}

// singleQuoted scans a one-line single-quoted scalar.
func (p *fastParser) singleQuoted() (ftok, bool) {
	d := p.d
	start := p.pos + 1
	esc := false
	i := start
	for ; ; i++ {
		if p.atEOL(i) {
			return ftok{}, false // a multi-line scalar, or no closing quote
		}
		if d[i] == '\'' {
			if i+1 < len(d) && d[i+1] == '\'' {
				esc = true
				i++
				continue
			}
			break
		}
	}
	t := ftok{off: start, end: i, after: i + 1, style: fSingle}
	if esc {
		t.off, t.inStrs = len(p.strs), true
		for j := start; j < i; j++ {
			p.strs = append(p.strs, d[j])
			if d[j] == '\'' {
				j++
			}
		}
		t.end = len(p.strs)
	}
	return t, true
}

// doubleQuoted scans a one-line double-quoted scalar, with yaml.v3's escapes.
func (p *fastParser) doubleQuoted() (ftok, bool) {
	d := p.d
	start := p.pos + 1
	out := -1 // where the text starts in strs, once an escape makes it differ
	i := start
	for {
		if p.atEOL(i) {
			return ftok{}, false
		}
		c := d[i]
		if c == '"' {
			break
		}
		if c != '\\' {
			if out >= 0 {
				p.strs = append(p.strs, c)
			}
			i++
			continue
		}
		if out < 0 {
			out = len(p.strs)
			p.strs = append(p.strs, d[start:i]...)
		}
		if i+1 >= len(d) {
			return ftok{}, false
		}
		code := 0
		switch d[i+1] {
		case '0':
			p.strs = append(p.strs, 0)
		case 'a':
			p.strs = append(p.strs, '\x07')
		case 'b':
			p.strs = append(p.strs, '\x08')
		case 't', '\t':
			p.strs = append(p.strs, '\x09')
		case 'n':
			p.strs = append(p.strs, '\x0A')
		case 'v':
			p.strs = append(p.strs, '\x0B')
		case 'f':
			p.strs = append(p.strs, '\x0C')
		case 'r':
			p.strs = append(p.strs, '\x0D')
		case 'e':
			p.strs = append(p.strs, '\x1B')
		case ' ':
			p.strs = append(p.strs, ' ')
		case '"':
			p.strs = append(p.strs, '"')
		case '\'':
			p.strs = append(p.strs, '\'')
		case '\\':
			p.strs = append(p.strs, '\\')
		case 'N':
			p.strs = append(p.strs, "\u0085"...)
		case '_':
			p.strs = append(p.strs, "\u00a0"...)
		case 'L':
			p.strs = append(p.strs, "\u2028"...)
		case 'P':
			p.strs = append(p.strs, "\u2029"...)
		case 'x':
			code = 2
		case 'u':
			code = 4
		case 'U':
			code = 8
		default:
			return ftok{}, false // an escaped line break, or an error
		}
		i += 2
		if code == 0 {
			continue
		}
		if i+code > len(d) {
			return ftok{}, false
		}
		v := rune(0)
		for k := range code {
			h := unhex(d[i+k])
			if h < 0 {
				return ftok{}, false
			}
			v = v<<4 | rune(h)
		}
		if v >= 0xD800 && v <= 0xDFFF || v > 0x10FFFF || v < 0 {
			return ftok{}, false
		}
		p.strs = utf8.AppendRune(p.strs, v)
		i += code
	}
	if out < 0 {
		return ftok{off: start, end: i, after: i + 1, style: fDouble}, true
	}
	return ftok{off: out, end: len(p.strs), after: i + 1, style: fDouble, inStrs: true}, true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// blockScalar reads a | or > scalar whose indicator is at p.pos, in a block
// collection at column n. It follows yaml.v3's scanner step by step
// (yaml_parser_scan_block_scalar), except that it declines an explicit
// indentation indicator.
func (p *fastParser) blockScalar(n, depth int) bool {
	d := p.d
	literal := d[p.pos] == '|'
	i := p.pos + 1
	chomp := 0
	if i < len(d) && (d[i] == '+' || d[i] == '-') {
		chomp = 1
		if d[i] == '-' {
			chomp = -1
		}
		i++
	}
	if i < len(d) && d[i] >= '0' && d[i] <= '9' {
		return false
	}
	if !p.endLine(i) {
		return false
	}
	i = p.lineStart
	off := len(p.strs)
	indent, leadingBreak, trailingBreaks := 0, 0, 0
	ls := i // start of the line i is on
	var ok bool
	if i, ls, trailingBreaks, ok = p.blockBreaks(i, &indent, n, 0); !ok {
		return false
	}
	leadingBlank := false
	for i < len(d) && i-ls == indent {
		trailingBlank := d[i] == ' ' || d[i] == '\t'
		if !literal && !leadingBlank && !trailingBlank && leadingBreak > 0 {
			if trailingBreaks == 0 {
				p.strs = append(p.strs, ' ')
			}
		} else {
			p.strs = appendBreaks(p.strs, leadingBreak)
		}
		leadingBreak = 0
		p.strs = appendBreaks(p.strs, trailingBreaks)
		trailingBreaks = 0
		leadingBlank = trailingBlank
		e := i
		for !p.atEOL(e) {
			e++
		}
		p.strs = append(p.strs, d[i:e]...)
		i = e
		if i < len(d) {
			leadingBreak = 1
			i = p.nextLine(i)
		}
		if i, ls, trailingBreaks, ok = p.blockBreaks(i, &indent, n, 0); !ok {
			return false
		}
	}
	if chomp != -1 {
		p.strs = appendBreaks(p.strs, leadingBreak)
	}
	if chomp == 1 {
		p.strs = appendBreaks(p.strs, trailingBreaks)
	}
	style := fLiteral
	if !literal {
		style = fFolded
	}
	if !p.pushTok(ftok{off: off, end: len(p.strs), start: p.pos, style: style, inStrs: true}, depth) {
		return false
	}
	p.lineStart = ls
	if i >= len(d) {
		p.lineStart = len(d)
	}
	return true
}

func appendBreaks(b []byte, n int) []byte {
	for range n {
		b = append(b, '\n')
	}
	return b
}

// blockBreaks is yaml_parser_scan_block_scalar_breaks: from the start of a
// line, it eats indentation and empty lines, counting the line breaks, and
// settles the indentation on the first line with content. It returns where
// it stopped and the start of that line.
func (p *fastParser) blockBreaks(i int, indent *int, n, breaks int) (int, int, int, bool) {
	d := p.d
	maxIndent := 0
	ls := i
	for {
		for (*indent == 0 || i-ls < *indent) && i < len(d) && d[i] == ' ' {
			i++
		}
		maxIndent = max(maxIndent, i-ls)
		if (*indent == 0 || i-ls < *indent) && i < len(d) && d[i] == '\t' {
			return 0, 0, 0, false
		}
		if i >= len(d) || d[i] != '\n' && d[i] != '\r' {
			break
		}
		i = p.nextLine(i)
		ls = i
		breaks++
	}
	if *indent == 0 {
		*indent = max(maxIndent, n+1, 1)
	}
	return i, ls, breaks, true
}

// flow reads a one-line flow list or mapping at p.pos, leaving p.pos past
// its closing bracket.
func (p *fastParser) flow(depth int) bool {
	d := p.d
	kind, closer := fSeq, byte(']')
	if d[p.pos] == '{' {
		kind, closer = fMap, '}'
	}
	c, ok := p.open(kind, depth)
	if !ok {
		return false
	}
	i := p.skipSpaces(p.pos + 1)
	if i < len(d) && d[i] == closer {
		p.close(c)
		p.pos = i + 1
		return true
	}
	for {
		p.pos = i
		if kind == fMap {
			if !p.key(depth+1, true) {
				return false
			}
			p.pos = p.skipSpaces(p.pos)
		}
		if !p.flowItem(depth + 1) {
			return false
		}
		i = p.skipSpaces(p.pos)
		if i >= len(d) {
			return false
		}
		switch d[i] {
		case ',':
			i = p.skipSpaces(i + 1)
			if i >= len(d) || d[i] == closer || d[i] == ',' {
				return false // a trailing or empty entry
			}
			continue
		case closer:
			p.close(c)
			p.pos = i + 1
			return true
		}
		return false
	}
}

// flowItem reads a list item or mapping value inside a flow collection.
func (p *fastParser) flowItem(depth int) bool {
	if p.pos >= len(p.d) {
		return false
	}
	if c := p.d[p.pos]; c == '[' || c == '{' {
		return p.flow(depth)
	}
	t, ok := p.scalar(true)
	if !ok {
		return false
	}
	if k := p.skipSpaces(t.after); k < len(p.d) && p.d[k] == ':' {
		return false // a pair in a list, or "a: b: c"
	}
	p.pos = t.after
	return p.pushTok(t, depth)
}

// text returns a scalar node's text.
func (p *fastParser) text(n *fnode) []byte {
	if n.inStrs {
		return p.strs[n.off:n.end]
	}
	return p.d[n.off:n.end]
}

// child returns the index of the value of key in mapping m, -1 if none:
// the first such key, as child does on nodes.
func (p *fastParser) child(m int, key string) int {
	if m < 0 || p.nodes[m].kind != fMap {
		return -1
	}
	for k := m + 1; k < int(p.nodes[m].next); k = int(p.nodes[k+1].next) {
		if string(p.text(&p.nodes[k])) == key {
			return k + 1
		}
	}
	return -1
}

// str returns a scalar's text as a new string, "" for a collection or no
// node, as scalar does on nodes.
func (p *fastParser) str(i int) string {
	if i < 0 || p.nodes[i].kind != fScalar {
		return ""
	}
	return string(p.text(&p.nodes[i]))
}

// namespaceStr is str for metadata.namespace: the objects a parser reads
// one after another mostly share a namespace, and then its string.
func (p *fastParser) namespaceStr(i int) string {
	if i < 0 || p.nodes[i].kind != fScalar {
		return ""
	}
	if text := p.text(&p.nodes[i]); string(text) != p.lastNS {
		p.lastNS = string(text)
	}
	return p.lastNS
}

// internedStr is str for apiVersion and kind, which take a few values: the
// known ones are not allocated again for every object.
func (p *fastParser) internedStr(i int) string {
	if s, ok := typeStrings[string(p.text(&p.nodes[i]))]; ok {
		return s
	}
	return p.str(i)
}

// typeStrings holds the apiVersions and kinds meshbatch decodes, and a few
// common others.
var typeStrings = func() map[string]string {
	m := map[string]string{}
	add := func(s string) { m[s] = s }
	for gk, k := range kinds {
		group, kind, _ := strings.Cut(gk, "/")
		add(kind)
		for _, v := range k.versions {
			if group == "" {
				add(v)
			} else {
				add(group + "/" + v)
			}
		}
	}
	for _, s := range []string{"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "Secret",
		"rbac.authorization.k8s.io/v1", "NetworkPolicy", "networking.k8s.io/v1", "Ingress",
		"PodDisruptionBudget", "policy/v1", "HorizontalPodAutoscaler", "autoscaling/v2"} {
		add(s)
	}
	return m
}()

// stringMap is stringMap on nodes.
func (p *fastParser) stringMap(m int) map[string]string {
	if m < 0 || p.nodes[m].kind != fMap || p.nodes[m].next == int32(m+1) {
		return nil
	}
	out := map[string]string{}
	for k := m + 1; k < int(p.nodes[m].next); k = int(p.nodes[k+1].next) {
		if v := &p.nodes[k+1]; v.kind == fScalar {
			out[string(p.text(&p.nodes[k]))] = string(p.text(v))
		}
	}
	return out
}

// Tags of plain scalars, as yaml.v3 resolves them.
const (
	tagStr = iota
	tagNull
	tagBool
	tagInt
	tagOther // float, timestamp, or an int JSON does not carry as written
)

// maybeNotStr holds the bytes of every plain scalar yaml.v3 can resolve to
// something other than a string when its first character is a sign, digit
// or dot: numbers in every base, floats, timestamps, infinities and NaN. A
// scalar with any other byte is a string.
var maybeNotStr = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-._: xXoObBtTzZabcdefABCDEFinIN") {
		t[c] = true
	}
	return t
}()

// plainTag resolves a plain scalar the way yaml.v3's resolve does, calling
// it for the few values whose type is not obvious.
func plainTag(v []byte) int {
	if len(v) == 0 {
		return tagNull
	}
	switch v[0] {
	case 't', 'T', 'f', 'F':
		switch string(v) {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return tagBool
		}
		return tagStr
	case 'n', 'N', '~':
		switch string(v) {
		case "~", "null", "Null", "NULL":
			return tagNull
		}
		return tagStr
	case '+', '-', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if isPlainInt(string(v)) {
			return tagInt
		}
		for _, c := range v {
			if !maybeNotStr[c] {
				return tagStr
			}
		}
		switch (&yaml.Node{Kind: yaml.ScalarNode, Value: string(v)}).ShortTag() {
		case "!!str":
			return tagStr
		case "!!null":
			return tagNull
		}
		return tagOther
	}
	return tagStr // yaml.v3 looks no further than the first character
}

// isStr reports whether scalar node n is a non-empty string, as the type
// metadata must be.
func (p *fastParser) isStr(i int) bool {
	if i < 0 {
		return false
	}
	n := &p.nodes[i]
	if n.kind != fScalar || n.end == n.off {
		return false
	}
	return n.style != fPlain || plainTag(p.text(n)) == tagStr
}

// appendJSON writes the subtree at i as the converter would, or reports
// false where the converter would fail (a duplicate key, a value JSON
// cannot hold): the yaml.v3 path then reports it.
func (p *fastParser) appendJSON(buf []byte, i int) ([]byte, bool) {
	n := &p.nodes[i]
	switch n.kind {
	case fSeq:
		buf = append(buf, '[')
		for j := i + 1; j < int(n.next); j = int(p.nodes[j].next) {
			if j > i+1 {
				buf = append(buf, ',')
			}
			var ok bool
			if buf, ok = p.appendJSON(buf, j); !ok {
				return buf, false
			}
		}
		return append(buf, ']'), true
	case fMap:
		if p.hasDuplicateKey(i) {
			return buf, false
		}
		buf = append(buf, '{')
		for k := i + 1; k < int(n.next); k = int(p.nodes[k+1].next) {
			if k > i+1 {
				buf = append(buf, ',')
			}
			buf = appendJSONText(buf, p.text(&p.nodes[k]))
			buf = append(buf, ':')
			var ok bool
			if buf, ok = p.appendJSON(buf, k+1); !ok {
				return buf, false
			}
		}
		return append(buf, '}'), true
	}
	v := p.text(n)
	if n.style != fPlain {
		return appendJSONText(buf, v), true
	}
	switch plainTag(v) {
	case tagStr:
		return appendJSONText(buf, v), true
	case tagNull:
		return append(buf, "null"...), true
	case tagBool:
		if v[0] == 't' || v[0] == 'T' {
			return append(buf, "true"...), true
		}
		return append(buf, "false"...), true
	case tagInt:
		if v[0] == '+' {
			v = v[1:]
		}
		return append(buf, v...), true
	}
	// The rare rest goes through the converter's own code.
	sn := yaml.Node{Kind: yaml.ScalarNode, Value: string(v)}
	sn.Tag = sn.ShortTag()
	c := converter{buf: buf}
	if err := c.scalar(&sn); err != nil {
		return buf, false
	}
	return c.buf, true
}

// hasDuplicateKey reports whether mapping m has a key twice.
func (p *fastParser) hasDuplicateKey(m int) bool {
	end := int(p.nodes[m].next)
	pairs := 0
	for k := m + 1; k < end; k = int(p.nodes[k+1].next) {
		ka := p.text(&p.nodes[k])
		for b := m + 1; b < k; b = int(p.nodes[b+1].next) {
			if bytes.Equal(ka, p.text(&p.nodes[b])) {
				return true
			}
		}
		if pairs++; pairs > bigMapping {
			return p.hasDuplicateKeySorted(m)
		}
	}
	return false
}

// hasDuplicateKeySorted is hasDuplicateKey for large mappings: sorting
// the keys costs less than comparing every pair.
func (p *fastParser) hasDuplicateKeySorted(m int) bool {
	mark := len(p.keys)
	for k := m + 1; k < int(p.nodes[m].next); k = int(p.nodes[k+1].next) {
		p.keys = append(p.keys, int32(k))
	}
	keys := p.keys[mark:]
	slices.SortFunc(keys, func(a, b int32) int { return bytes.Compare(p.text(&p.nodes[a]), p.text(&p.nodes[b])) })
	dup := false
	for a := 1; a < len(keys) && !dup; a++ {
		dup = bytes.Equal(p.text(&p.nodes[keys[a]]), p.text(&p.nodes[keys[a-1]]))
	}
	p.keys = p.keys[:mark]
	return dup
}

// appendJSONText is appendJSONString for text the fast path read, which is
// valid UTF-8 (fastText checked it, and escapes make only valid
// characters): bytes past ASCII are copied as they are.
func appendJSONText(buf, s []byte) []byte {
	buf = append(buf, '"')
	start := 0
	for i, b := range s {
		if b >= 0x20 && b != '"' && b != '\\' {
			continue
		}
		buf = appendASCIIEscape(append(buf, s[start:i]...), b)
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// posTree builds the position tree of the parsed document, the one
// newPosTree builds from yaml.v3's nodes.
func (p *fastParser) posTree() *posTree {
	colls, entries, keyBytes := 0, 0, 0
	for i := range p.nodes {
		n := &p.nodes[i]
		if n.kind == fScalar {
			continue
		}
		colls++
		for j := i + 1; j < int(n.next); j = int(p.nodes[j].next) {
			entries++
			if n.kind == fMap {
				keyBytes += int(p.nodes[j].end - p.nodes[j].off)
				j = j + 1 // the key's value
			}
		}
	}
	var lc lineCounter
	lc.d = p.d
	line, col := lc.at(int(p.nodes[0].pos))
	t := &posTree{colls: make([]posColl, 0, colls), entries: make([]posEntry, entries), line: line, col: col}
	keys := make([]byte, 0, keyBytes)
	used := 0
	var add func(i int) int32
	add = func(i int) int32 {
		n := &p.nodes[i]
		if n.kind == fScalar {
			return -1
		}
		count := 0
		for j := i + 1; j < int(n.next); j = int(p.nodes[j].next) {
			count++
			if n.kind == fMap {
				j++
			}
		}
		c := int32(len(t.colls))
		kind := yaml.SequenceNode
		if n.kind == fMap {
			kind = yaml.MappingNode
		}
		first := used
		used += count
		t.colls = append(t.colls, posColl{kind: kind, first: int32(first), n: int32(count)})
		e := first
		for j := i + 1; j < int(n.next); j = int(p.nodes[j].next) {
			line, col := lc.at(int(p.nodes[j].pos))
			t.entries[e] = posEntry{line: line, col: col}
			if n.kind == fMap {
				k := p.text(&p.nodes[j])
				t.entries[e].keyOff, t.entries[e].keyLen = int32(len(keys)), int32(len(k))
				keys = append(keys, k...)
				j++
			}
			t.entries[e].val = add(j)
			e++
		}
		return c
	}
	t.root = add(0)
	t.keys = string(keys)
	return t
}

// lineCounter turns offsets into yaml.v3's 1-based lines and columns
// (columns count characters); offsets asked in increasing order cost one
// pass over the document.
type lineCounter struct {
	d                []byte
	off, line, start int // line holds off; start is the offset of its first byte
}

func (lc *lineCounter) at(off int) (int32, int32) {
	if off < lc.off || lc.line == 0 {
		lc.off, lc.line, lc.start = 0, 1, 0
	}
	seg := lc.d[lc.off:off]
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		lc.line += n
		lc.start = lc.off + bytes.LastIndexByte(seg, '\n') + 1
	}
	lc.off = off
	return int32(lc.line), int32(1 + utf8.RuneCount(lc.d[lc.start:off]))
}

// fastPosTree is the position tree of doc by the fast path, nil if it
// declines the document.
func fastPosTree(doc []byte) *posTree {
	p := fastParsers.Get().(*fastParser)
	defer putFastParser(p)
	if !p.parse(doc, Limits{}.withDefaults()) {
		return nil
	}
	return p.posTree()
}

// fastPositions sets out[i] to the position of paths[i] in doc, as
// fastPosTree(doc).locate would, but on the parser's own nodes: no tree is
// built. False if the fast path declines doc.
func fastPositions(doc []byte, paths []string, out []Pos) bool {
	p := fastParsers.Get().(*fastParser)
	defer putFastParser(p)
	if !p.parse(doc, Limits{}.withDefaults()) {
		return false
	}
	for i, path := range paths {
		out[i] = p.locate(path)
	}
	return true
}

// locate is posTree.locate on the parsed nodes; the two must agree.
func (p *fastParser) locate(path string) Pos {
	var lc lineCounter
	lc.d = p.d
	line, col := lc.at(int(p.nodes[0].pos))
	pos := Pos{Line: int(line), Col: int(col)}
	cur := 0
	for _, seg := range parsePath(path) {
		n := &p.nodes[cur]
		if (n.kind != fMap || seg.index >= 0) && (n.kind != fSeq || seg.index < 0) {
			return pos
		}
		entry, item := -1, 0 // entry: the key of a mapping entry, or a sequence item
		for j := cur + 1; j < int(n.next); j = int(p.nodes[j].next) {
			if n.kind == fSeq {
				if item == seg.index {
					entry = j
					break
				}
				item++
				continue
			}
			if string(p.text(&p.nodes[j])) == seg.key {
				entry = j
				break
			}
			j++ // the key's value
		}
		if entry < 0 {
			return pos
		}
		line, col := lc.at(int(p.nodes[entry].pos))
		pos = Pos{Line: int(line), Col: int(col)}
		cur = entry
		if n.kind == fMap {
			cur++ // the value
		}
	}
	return pos
}

// fastYAMLToJSON is YAMLToJSON by the fast path; false if it declines.
func fastYAMLToJSON(data []byte, lim Limits) ([]byte, bool) {
	p := fastParsers.Get().(*fastParser)
	defer putFastParser(p)
	if !p.parse(data, lim.withDefaults()) {
		return nil, false
	}
	return p.appendJSON(make([]byte, 0, len(data)+len(data)/4), 0)
}

func putFastParser(p *fastParser) {
	p.d = nil // the pool must not keep the document alive
	fastParsers.Put(p)
}

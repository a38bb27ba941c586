package manifest

import (
	"bytes"
	"sync"
	"unicode/utf8"
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

func putFastParser(p *fastParser) {
	p.d = nil // the pool must not keep the document alive
	fastParsers.Put(p)
}

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

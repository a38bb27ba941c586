package manifest

import "unicode/utf8"

// The fast path's scalars: plain and quoted ones on one line, and | and >
// block scalars. Their text stays in the document, or goes to p.strs where
// escapes, quotes or folding make it differ from the source.

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

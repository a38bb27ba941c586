package manifest

import (
	"bytes"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// offset is the byte offset in doc of a 1-based line and column.
func (e *Editor) offset(line, col int) int {
	if line < 1 || line > len(e.lineStarts) {
		return len(e.doc)
	}
	off := e.lineStarts[line-1]
	for c := 1; c < col && off < len(e.doc) && e.doc[off] != '\n'; c++ {
		_, size := utf8.DecodeRune(e.doc[off:])
		off += size
	}
	return off
}

func (e *Editor) nodeStart(n *yaml.Node) int { return e.offset(n.Line, n.Column) }

// lineOf returns the 1-based line of a byte offset.
func (e *Editor) lineOf(off int) int {
	lo, hi := 0, len(e.lineStarts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if e.lineStarts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1
}

// lineEnd returns the offset of the line break ending the line that holds
// off (len(doc) on the last line without one), before any "\r".
func (e *Editor) lineEnd(off int) int {
	i := bytes.IndexByte(e.doc[off:], '\n')
	if i < 0 {
		return len(e.doc)
	}
	end := off + i
	if end > 0 && e.doc[end-1] == '\r' {
		end--
	}
	return end
}

// nextLine returns the offset of the line after the one that holds off.
func (e *Editor) nextLine(off int) int {
	i := bytes.IndexByte(e.doc[off:], '\n')
	if i < 0 {
		return len(e.doc)
	}
	return off + i + 1
}

// indentAt is the number of spaces that start the line holding off, and
// whether nothing else precedes off on it.
func (e *Editor) indentAt(off int) (int, bool) {
	start := e.lineStarts[e.lineOf(off)-1]
	n := 0
	for start+n < off && e.doc[start+n] == ' ' {
		n++
	}
	return n, start+n == off
}

// nodeEnd returns the offset just past the last character of n.
func (e *Editor) nodeEnd(n *yaml.Node) (int, error) {
	if n.Anchor != "" || n.Kind == yaml.AliasNode || (n.Tag != "" && n.Style&yaml.TaggedStyle != 0) {
		return 0, ErrNoEdit
	}
	start := e.nodeStart(n)
	switch n.Kind {
	case yaml.ScalarNode:
		return e.scalarEnd(n, start)
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 {
			return e.flowEnd(start)
		}
		if len(n.Content) == 0 {
			return 0, ErrNoEdit
		}
		return e.nodeEnd(n.Content[len(n.Content)-1])
	}
	return 0, ErrNoEdit
}

// scalarEnd finds where the scalar n, starting at start, ends.
func (e *Editor) scalarEnd(n *yaml.Node, start int) (int, error) {
	d := e.doc
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		for i := start + 1; i < len(d); i++ {
			switch d[i] {
			case '\\':
				i++
			case '"':
				return i + 1, nil
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		for i := start + 1; i < len(d); i++ {
			if d[i] == '\'' {
				if i+1 < len(d) && d[i+1] == '\'' {
					i++
					continue
				}
				return i + 1, nil
			}
		}
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		// The block's lines are those after the indicator that are blank
		// or indented more than the line the indicator is on.
		ind, _ := e.indentAt(start)
		end := e.lineEnd(start)
		for off := e.nextLine(start); off < len(d); off = e.nextLine(off) {
			le := e.lineEnd(off)
			text := d[off:le]
			if len(bytes.TrimSpace(text)) == 0 {
				continue
			}
			if len(text)-len(bytes.TrimLeft(text, " ")) <= ind {
				break
			}
			end = le
		}
		return end, nil
	default: // plain: one line, ending at a comment, a key's colon or, in a flow, an indicator
		end := start
		flow := e.inFlow(start)
		for end < len(d) && d[end] != '\n' && d[end] != '\r' {
			if d[end] == '#' && end > start && (d[end-1] == ' ' || d[end-1] == '\t') {
				break
			}
			if flow && (d[end] == ',' || d[end] == '}' || d[end] == ']') {
				break
			}
			if d[end] == ':' && (end+1 == len(d) || strings.IndexByte(" \t\r\n", d[end+1]) >= 0 || flow && strings.IndexByte(",}]", d[end+1]) >= 0) {
				break
			}
			end++
		}
		for end > start && (d[end-1] == ' ' || d[end-1] == '\t') {
			end--
		}
		if string(d[start:end]) != n.Value {
			return 0, ErrNoEdit // a multi-line plain scalar, or one we misread
		}
		return end, nil
	}
	return 0, ErrNoEdit
}

// inFlow reports whether off is inside a flow collection: an open bracket
// precedes it on its line, unclosed. Flow collections that span lines
// are rare in manifests; a scalar in one is then not edited.
func (e *Editor) inFlow(off int) bool {
	depth := 0
	start := e.lineStarts[e.lineOf(off)-1]
	var quote byte
	for i := start; i < off; i++ {
		c := e.doc[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	return depth > 0
}

// flowEnd returns the offset past the bracket closing the flow collection
// that opens at start.
func (e *Editor) flowEnd(start int) (int, error) {
	d := e.doc
	depth := 0
	for i := start; i < len(d); i++ {
		switch d[i] {
		case '"':
			for i++; i < len(d) && d[i] != '"'; i++ {
				if d[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(d); i++ {
				if d[i] == '\'' {
					if i+1 < len(d) && d[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '#':
			if i > 0 && (d[i-1] == ' ' || d[i-1] == '\t') {
				i = e.lineEnd(i) - 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, ErrNoEdit
}

// scalarText finds the scalar at path, one that accept takes (nil: any),
// and the byte range of its text: ErrNoEdit when there is none, or the
// error of reading the document or the scalar's end.
func (e *Editor) scalarText(path string, accept func(*yaml.Node) bool) (n *yaml.Node, start, end int, err error) {
	if err := e.load(); err != nil {
		return nil, 0, 0, err
	}
	n = e.Lookup(path)
	if n == nil || n.Kind != yaml.ScalarNode || (accept != nil && !accept(n)) {
		return nil, 0, 0, ErrNoEdit
	}
	start = e.nodeStart(n)
	end, err = e.scalarEnd(n, start)
	return n, start, end, err
}

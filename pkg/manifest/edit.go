package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Edit replaces the bytes [Start, End) of File with New: an insertion
// when Start == End. Offsets are into the file as it was read; StartPos
// and EndPos are the same places as lines and columns (columns count
// characters, as finding positions do).
type Edit struct {
	File     string `json:"file"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	StartPos Pos    `json:"startPos"`
	EndPos   Pos    `json:"endPos"`
	New      string `json:"new"`
	// Old is the text the edit replaces, to notice that the file changed
	// before the edit is applied.
	Old string `json:"-"`
}

// ErrNoEdit is what an Editor returns when the document's shape is one it
// does not edit (an anchor, a multi-line plain scalar, a key that shares
// its line with a list dash): the fix is then not offered.
var ErrNoEdit = errors.New("the document's shape is not one meshbatch edits")

// ErrChanged is what an Editor returns when the object's document is no
// longer in its file as it was read: an editor saved the file meanwhile.
var ErrChanged = errors.New("changed since it was read")

// Editor computes text edits to one object's document from its original
// bytes, so that everything an edit does not touch stays byte for byte as
// it was: comments, key order, quoting, indentation, blank lines. Inserted
// YAML follows the indentation, the line breaks and the block or flow
// style around it. Edits are only recorded: Edits returns them.
type Editor struct {
	obj        *Object
	loaded     bool
	loadErr    error
	doc        []byte
	root       *yaml.Node // the object's mapping (its item, in a List)
	lineStarts []int
	nl         string
	step       int // the document's indentation step
	edits      []Edit
}

// Editor returns an editor of the object's document for a fix's edits. It
// reads and parses the document (reading it back from File if it was
// released) on its first edit, so a fix that declines before editing
// costs nothing.
func (o *Object) Editor() (*Editor, error) { return &Editor{obj: o}, nil }

// load reads and parses the document, once.
func (e *Editor) load() error {
	if e.loaded {
		return e.loadErr
	}
	e.loaded = true
	e.loadErr = e.parse()
	return e.loadErr
}

func (e *Editor) parse() error {
	o := e.obj
	doc := o.document()
	if doc == nil {
		return fmt.Errorf("%s: the document of %s %w", o.File, o.label(), ErrChanged)
	}
	n, err := ParseNode(doc)
	if err != nil || n == nil {
		return ErrNoEdit
	}
	root := n
	if o.Item >= 0 {
		items := child(n, "items")
		if items == nil || items.Kind != yaml.SequenceNode || o.Item >= len(items.Content) {
			return ErrNoEdit
		}
		root = items.Content[o.Item]
	}
	if root.Kind != yaml.MappingNode {
		return ErrNoEdit
	}
	e.doc, e.root, e.nl = doc, root, "\n"
	if bytes.Contains(doc, []byte("\r\n")) {
		e.nl = "\r\n"
	}
	e.lineStarts = append(e.lineStarts[:0], 0)
	for i, b := range doc {
		if b == '\n' {
			e.lineStarts = append(e.lineStarts, i+1)
		}
	}
	e.step = indentStep(root)
	return nil
}

// indentStep guesses the document's indentation step from the first block
// mapping nested in a block mapping; 2 when there is none.
func indentStep(n *yaml.Node) int {
	if n.Kind != yaml.MappingNode || n.Style&yaml.FlowStyle != 0 {
		return 2
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := n.Content[i+1]
		if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Line > n.Content[i].Line {
			if d := v.Content[0].Column - n.Content[i].Column; d > 0 {
				return d
			}
		}
	}
	return 2
}

// Edits returns the edits recorded so far, in the order they were made.
func (e *Editor) Edits() []Edit { return e.edits }

// entry is a mapping entry found along a path.
type entry struct {
	parent     *yaml.Node // the mapping
	index      int        // of the key in parent.Content
	key, value *yaml.Node
}

// walk follows path from the object's root; it returns the entries it
// went through (a list item gives an entry with a nil key) and the rest of
// the path it could not follow.
func (e *Editor) walk(path string) ([]entry, []segment) {
	segs := parsePath(path)
	n := e.root
	var out []entry
	for i, seg := range segs {
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			return nil, nil // shared with other places: not edited
		}
		switch {
		case seg.index >= 0 && n.Kind == yaml.SequenceNode && seg.index < len(n.Content):
			out = append(out, entry{parent: n, index: seg.index, value: n.Content[seg.index]})
			n = n.Content[seg.index]
			continue
		case seg.index < 0 && n.Kind == yaml.MappingNode:
			found := false
			for k := 0; k+1 < len(n.Content); k += 2 {
				if n.Content[k].Value == seg.key {
					out = append(out, entry{parent: n, index: k, key: n.Content[k], value: n.Content[k+1]})
					n, found = n.Content[k+1], true
					break
				}
			}
			if found {
				continue
			}
		}
		return out, segs[i:]
	}
	return out, nil
}

// Lookup returns the node at path, nil when there is none.
func (e *Editor) Lookup(path string) *yaml.Node {
	if e.load() != nil {
		return nil
	}
	ents, rest := e.walk(path)
	if len(rest) > 0 || len(ents) == 0 && path != "" {
		return nil
	}
	if len(ents) == 0 {
		return e.root
	}
	return ents[len(ents)-1].value
}

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

func (e *Editor) add(start, end int, text string) {
	o := e.obj
	pos := func(off int) Pos {
		line := e.lineOf(off)
		return o.filePos(Pos{Line: line, Col: 1 + utf8.RuneCount(e.doc[e.lineStarts[line-1]:off])})
	}
	e.edits = append(e.edits, Edit{File: o.File, Start: int(o.docOff) + start, End: int(o.docOff) + end,
		StartPos: pos(start), EndPos: pos(end), New: text, Old: string(e.doc[start:end])})
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

// ReplaceScalar sets the scalar at path to value, keeping its quoting
// where value allows it.
func (e *Editor) ReplaceScalar(path, value string) error {
	n, start, end, err := e.scalarText(path, func(n *yaml.Node) bool {
		return n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0
	})
	if err != nil {
		return err
	}
	e.add(start, end, renderScalar(value, n.Style, e.inFlow(start)))
	return nil
}

// ReplaceInScalar replaces old, which must occur once in the scalar at
// path, its text and its value alike, with new, leaving the rest of the
// scalar's text as written. new must hold no character that needs quoting
// or escaping.
func (e *Editor) ReplaceInScalar(path, old, new string) error {
	_, start, end, err := e.scalarText(path, func(n *yaml.Node) bool { return strings.Count(n.Value, old) == 1 })
	if err != nil {
		return err
	}
	text := string(e.doc[start:end])
	if strings.Count(text, old) != 1 || strings.ContainsAny(new, "\"'\\\n#:{}[],") {
		return ErrNoEdit
	}
	at := start + strings.Index(text, old)
	e.add(at, at+len(old), new)
	return nil
}

// RenameKey renames the mapping key at path.
func (e *Editor) RenameKey(path, newKey string) error {
	if err := e.load(); err != nil {
		return err
	}
	ents, rest := e.walk(path)
	if len(rest) > 0 || len(ents) == 0 || ents[len(ents)-1].key == nil {
		return ErrNoEdit
	}
	en := ents[len(ents)-1]
	if child(en.parent, newKey) != nil {
		return ErrNoEdit
	}
	start := e.nodeStart(en.key)
	end, err := e.scalarEnd(en.key, start)
	if err != nil {
		return err
	}
	e.add(start, end, renderKey(newKey, en.key.Style))
	return nil
}

// Delete removes the mapping entry at path: its lines in a block mapping,
// its text and a comma in a flow mapping. The last entry of a mapping
// takes the mapping's own entry with it.
func (e *Editor) Delete(path string) error { return e.deleteKeeping(path, "") }

// deleteKeeping is Delete that keeps the mappings on the way to keep,
// where Move puts the entry.
func (e *Editor) deleteKeeping(path, keep string) error {
	if err := e.load(); err != nil {
		return err
	}
	ents, rest := e.walk(path)
	if len(rest) > 0 || len(ents) == 0 {
		return ErrNoEdit
	}
	segs, keepSegs := parsePath(path), parsePath(keep)
	for i := len(ents) - 1; i >= 0; i-- {
		en := ents[i]
		if en.key == nil {
			return ErrNoEdit
		}
		// the only entry: delete the mapping's entry instead, unless the
		// mapping is on the way to keep
		if len(en.parent.Content) == 2 && i > 0 && ents[i-1].key != nil && !(keep != "" && isPrefix(segs[:i], keepSegs)) {
			continue
		}
		return e.deleteEntry(en)
	}
	return ErrNoEdit
}

func isPrefix(a, b []segment) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (e *Editor) deleteEntry(en entry) error {
	keyStart := e.nodeStart(en.key)
	valEnd, err := e.nodeEnd(en.value)
	if err != nil {
		return err
	}
	if en.parent.Style&yaml.FlowStyle != 0 {
		if e.lineOf(keyStart) != e.lineOf(valEnd) {
			return ErrNoEdit
		}
		c := en.parent.Content
		switch {
		case en.index+2 < len(c): // up to the next key
			e.add(keyStart, e.nodeStart(c[en.index+2]), "")
		case en.index > 0: // from the end of the previous value
			prevEnd, err := e.nodeEnd(c[en.index-1])
			if err != nil {
				return err
			}
			e.add(prevEnd, valEnd, "")
		default:
			e.add(keyStart, valEnd, "")
		}
		return nil
	}
	if _, alone := e.indentAt(keyStart); !alone {
		return ErrNoEdit // "- name: x": the key shares its line with the dash
	}
	start := e.lineStarts[e.lineOf(keyStart)-1]
	e.add(start, e.nextLine(valEnd), "")
	return nil
}

// entryText returns the text of the entry at path to move elsewhere: its
// value as written and the comment after it on its line.
func (e *Editor) entryText(path string) (en entry, value, comment string, err error) {
	ents, rest := e.walk(path)
	if len(rest) > 0 || len(ents) == 0 || ents[len(ents)-1].key == nil {
		return en, "", "", ErrNoEdit
	}
	en = ents[len(ents)-1]
	if en.value.Kind != yaml.ScalarNode || en.value.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return en, "", "", ErrNoEdit
	}
	start := e.nodeStart(en.value)
	end, err := e.scalarEnd(en.value, start)
	if err != nil || e.lineOf(start) != e.lineOf(end) {
		return en, "", "", ErrNoEdit
	}
	if en.parent.Style&yaml.FlowStyle == 0 {
		rest := strings.TrimRight(string(e.doc[end:e.lineEnd(end)]), " \t")
		if trimmed := strings.TrimLeft(rest, " \t"); strings.HasPrefix(trimmed, "#") {
			comment = rest
		}
	}
	return en, string(e.doc[start:end]), comment, nil
}

// Move takes the entry at path to the mapping at toPath, under newKey,
// with its value and comment as written. It fails when toPath already has
// newKey: which of the two values was meant is not certain.
func (e *Editor) Move(path, toPath, newKey string) error {
	if err := e.load(); err != nil {
		return err
	}
	en, value, comment, err := e.entryText(path)
	if err != nil {
		return err
	}
	if en.value.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
		value = "" // plain: rendered again, for a flow mapping's sake
	}
	if err := e.set(toPath, newKey, en.value.Value, value, comment); err != nil {
		return err
	}
	return e.deleteKeeping(path, toPath)
}

// Set adds key: value to the mapping at path, creating the mappings on
// the way that are missing; when the key is there, it replaces its value.
func (e *Editor) Set(path, key, value string) error {
	if err := e.load(); err != nil {
		return err
	}
	if n := e.Lookup(joinPath(path, key)); n != nil {
		return e.ReplaceScalar(joinPath(path, key), value)
	}
	return e.set(path, key, value, "", "")
}

func joinPath(path, key string) string {
	if path == "" {
		return strings.TrimPrefix(Key(key), ".")
	}
	return path + Key(key)
}

// set inserts key: value into the mapping at path; raw, when set, is the
// value's text as written, and comment follows it in a block mapping.
func (e *Editor) set(path, key, value, raw, comment string) error {
	if e.Lookup(joinPath(path, key)) != nil {
		return ErrNoEdit
	}
	ents, rest := e.walk(path)
	if ents == nil && path != "" && len(rest) == 0 {
		return ErrNoEdit
	}
	into := e.root
	if len(ents) > 0 {
		into = ents[len(ents)-1].value
	}
	if into.Kind != yaml.MappingNode || into.Anchor != "" {
		return ErrNoEdit // a null, a scalar, a list, an alias: not certain what was meant
	}
	keys := make([]string, 0, len(rest)+1)
	for _, s := range rest {
		if s.index >= 0 {
			return ErrNoEdit
		}
		keys = append(keys, s.key)
	}
	keys = append(keys, key)
	flow := into.Style&yaml.FlowStyle != 0
	style := siblingStyle(into)
	val := raw
	if val == "" || flow && raw != "" && strings.ContainsAny(raw, "\n") {
		val = renderScalar(value, style, flow)
	}
	if flow {
		if comment != "" {
			return ErrNoEdit // a comment has no place inside a flow mapping
		}
		text := renderKey(keys[len(keys)-1], 0) + ": " + val
		for i := len(keys) - 2; i >= 0; i-- {
			text = renderKey(keys[i], 0) + ": {" + text + "}"
		}
		open := e.nodeStart(into)
		if len(into.Content) == 0 {
			end, err := e.flowEnd(open)
			if err != nil {
				return err
			}
			e.add(open, end, "{"+text+"}")
			return nil
		}
		last, err := e.nodeEnd(into.Content[len(into.Content)-1])
		if err != nil {
			return err
		}
		e.add(last, last, ", "+text)
		return nil
	}
	if len(into.Content) == 0 {
		return ErrNoEdit
	}
	indent := into.Content[0].Column - 1
	var b strings.Builder
	for i, k := range keys {
		b.WriteString(strings.Repeat(" ", indent+i*e.step))
		b.WriteString(renderKey(k, 0))
		b.WriteString(":")
		if i == len(keys)-1 {
			b.WriteString(" " + val + comment)
		}
		b.WriteString(e.nl)
	}
	if keys[0] == "metadata" { // where Kubernetes writes it: before spec
		first := e.nodeStart(into.Content[0])
		if _, alone := e.indentAt(first); !alone {
			return ErrNoEdit
		}
		at := e.lineStarts[e.lineOf(first)-1]
		e.add(at, at, b.String())
		return nil
	}
	end, err := e.nodeEnd(into.Content[len(into.Content)-1])
	if err != nil {
		return err
	}
	e.addLinesAfter(end, b.String())
	return nil
}

// addLinesAfter inserts text, whole lines, after the line that holds end.
// At the end of a document without a final line break, text starts that
// line break instead of ending with one.
func (e *Editor) addLinesAfter(end int, text string) {
	at := e.nextLine(end)
	if at == len(e.doc) && (len(e.doc) == 0 || e.doc[len(e.doc)-1] != '\n') {
		text = e.nl + strings.TrimSuffix(text, e.nl)
	}
	e.add(at, at, text)
}

// AppendToBlock adds a line to the literal block scalar at path, at the
// block's indentation, after its last line of text.
func (e *Editor) AppendToBlock(path, line string) error {
	if err := e.load(); err != nil {
		return err
	}
	n := e.Lookup(path)
	if n == nil || n.Kind != yaml.ScalarNode || n.Style&yaml.LiteralStyle == 0 {
		return ErrNoEdit
	}
	start := e.nodeStart(n)
	end, err := e.scalarEnd(n, start)
	if err != nil || e.lineOf(end) == e.lineOf(start) {
		return ErrNoEdit
	}
	// the indentation of the block's first line of text
	first := e.nextLine(start)
	for first < end && len(bytes.TrimSpace(e.doc[first:e.lineEnd(first)])) == 0 {
		first = e.nextLine(first)
	}
	ind, _ := e.indentAt(first)
	for ind < e.lineEnd(first)-first && e.doc[first+ind] == ' ' {
		ind++
	}
	e.add(end, end, e.nl+strings.Repeat(" ", ind)+line)
	return nil
}

// InsertInScalar inserts text into the scalar at path right after the
// first occurrence of after in its text.
func (e *Editor) InsertInScalar(path, after, text string) error {
	_, start, end, err := e.scalarText(path, nil)
	if err != nil {
		return err
	}
	i := strings.Index(string(e.doc[start:end]), after)
	if i < 0 {
		return ErrNoEdit
	}
	at := start + i + len(after)
	e.add(at, at, text)
	return nil
}

// ScalarStyle returns the style of the scalar at path.
func (e *Editor) ScalarStyle(path string) (yaml.Style, bool) {
	if e.load() != nil {
		return 0, false
	}
	n := e.Lookup(path)
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	return n.Style, true
}

// siblingStyle is the quoting of a mapping's first quoted string value,
// for a value added to it.
func siblingStyle(m *yaml.Node) yaml.Style {
	for i := 1; i < len(m.Content); i += 2 {
		if v := m.Content[i]; v.Kind == yaml.ScalarNode && v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			return v.Style & (yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle)
		}
	}
	return 0
}

// renderScalar writes value as a YAML string in style (plain when that
// reads back as the same string, else double quotes; single quotes when
// asked and possible).
func renderScalar(value string, style yaml.Style, flow bool) string {
	switch {
	case style&yaml.SingleQuotedStyle != 0 && !strings.ContainsAny(value, "\n\\"):
		return "'" + strings.ReplaceAll(value, "'", "''") + "'"
	case style&yaml.DoubleQuotedStyle != 0 && strings.Contains(value, `"`) && !strings.ContainsAny(value, "'\n\\"):
		return "'" + value + "'" // quoted still, without escapes
	case style&yaml.DoubleQuotedStyle != 0:
		return strconv.Quote(value)
	}
	if plainSafe(value, flow) {
		return value
	}
	if strings.Contains(value, `"`) && !strings.ContainsAny(value, "'\n\\") {
		return "'" + value + "'"
	}
	return strconv.Quote(value)
}

func renderKey(key string, style yaml.Style) string {
	if style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 && plainSafe(key, true) {
		return key
	}
	return renderScalar(key, style, true)
}

// plainSafe reports whether value, unquoted, reads back as that string.
func plainSafe(value string, flow bool) bool {
	if value == "" || strings.TrimSpace(value) != value || strings.ContainsAny(value, "\n#\"'`") ||
		strings.Contains(value, ": ") || strings.HasSuffix(value, ":") {
		return false
	}
	if flow && strings.ContainsAny(value, ",[]{}") {
		return false
	}
	if strings.ContainsRune(",[]{}&*!|>%@", rune(value[0])) {
		return false
	}
	if strings.ContainsRune("-?:", rune(value[0])) && (len(value) == 1 || value[1] == ' ' || value == "---") {
		return false // an indicator; "-c" is plain text
	}
	var back any
	if err := yaml.Unmarshal([]byte(value), &back); err != nil {
		return false
	}
	s, ok := back.(string)
	return ok && s == value
}

// InsertItems inserts string items into the list at path after its item
// at index after: in a block list, a "- item" line each at the list's
// indentation (a multi-line item as a literal block); in a flow list,
// double-quoted after that item.
func (e *Editor) InsertItems(path string, after int, items []string) error {
	if err := e.load(); err != nil {
		return err
	}
	seq := e.Lookup(path)
	if seq == nil || seq.Kind != yaml.SequenceNode || seq.Anchor != "" || after < 0 || after >= len(seq.Content) {
		return ErrNoEdit
	}
	end, err := e.nodeEnd(seq.Content[after])
	if err != nil {
		return err
	}
	if seq.Style&yaml.FlowStyle != 0 {
		var b strings.Builder
		for _, it := range items {
			b.WriteString(", " + renderScalar(it, yaml.DoubleQuotedStyle, true))
		}
		e.add(end, end, b.String())
		return nil
	}
	// the dash of the first item, on its own line
	first := e.nodeStart(seq.Content[0])
	dash := bytes.LastIndexByte(e.doc[:first], '-')
	if dash < 0 || dash < e.lineStarts[e.lineOf(first)-1] {
		return ErrNoEdit
	}
	ind, alone := e.indentAt(dash)
	if !alone {
		return ErrNoEdit // "key: - a" is not YAML; "- - a" is not edited
	}
	pad := strings.Repeat(" ", ind)
	var b strings.Builder
	for _, it := range items {
		if !strings.Contains(it, "\n") {
			b.WriteString(pad + "- " + renderScalar(it, 0, false) + e.nl)
			continue
		}
		if !strings.HasSuffix(it, "\n") || strings.HasSuffix(it, "\n\n") || strings.HasPrefix(it, " ") || strings.Contains(it, "\r") {
			return ErrNoEdit // a literal block with clip chomping keeps exactly one final line break
		}
		b.WriteString(pad + "- |" + e.nl)
		for _, line := range strings.Split(strings.TrimSuffix(it, "\n"), "\n") {
			if line == "" {
				b.WriteString(e.nl)
				continue
			}
			b.WriteString(pad + strings.Repeat(" ", e.step) + line + e.nl)
		}
	}
	e.addLinesAfter(end, b.String())
	return nil
}

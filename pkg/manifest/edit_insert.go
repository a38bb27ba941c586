package manifest

import (
	"bytes"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

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

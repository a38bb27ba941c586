package manifest

import (
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

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

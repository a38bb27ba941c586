package manifest

import (
	"bytes"
	"errors"
	"fmt"
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

func (e *Editor) add(start, end int, text string) {
	o := e.obj
	pos := func(off int) Pos {
		line := e.lineOf(off)
		return o.filePos(Pos{Line: line, Col: 1 + utf8.RuneCount(e.doc[e.lineStarts[line-1]:off])})
	}
	e.edits = append(e.edits, Edit{File: o.File, Start: int(o.docOff) + start, End: int(o.docOff) + end,
		StartPos: pos(start), EndPos: pos(end), New: text, Old: string(e.doc[start:end])})
}

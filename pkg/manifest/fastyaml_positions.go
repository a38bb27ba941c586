package manifest

import (
	"bytes"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

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

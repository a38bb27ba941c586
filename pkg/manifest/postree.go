package manifest

import yaml "go.yaml.in/yaml/v3"

// posTree is a compact, pointer-free copy of what Locate reads from a
// document's node tree: for each mapping, its keys and their positions; for
// each sequence, its items' positions; for each entry, which collection its
// value is (aliases resolved). Objects with findings keep it between Pos
// calls; a yaml.Node tree, with its pointers, weighs much more, and a
// large input can have findings on most objects.
type posTree struct {
	keys      string     // the text of every mapping key, concatenated
	colls     []posColl  // mappings and sequences
	entries   []posEntry // colls[i]'s entries are entries[first : first+n]
	root      int32      // the root's collection, -1 for a scalar
	line, col int32      // the root's position
}

type posColl struct {
	kind     yaml.Kind // MappingNode or SequenceNode
	first, n int32
}

// posEntry is a mapping entry (its key's text and position) or a sequence
// item (its position).
type posEntry struct {
	keyOff, keyLen int32 // in keys; zero for sequence items
	line, col      int32 // of the key, or of the item
	val            int32 // the collection the value is, -1 for a scalar
}

func newPosTree(root *yaml.Node) *posTree {
	colls, entries, keyBytes := countPos(root)
	t := &posTree{
		colls:   make([]posColl, 0, colls),
		entries: make([]posEntry, entries),
		line:    int32(root.Line), col: int32(root.Column),
	}
	keys := make([]byte, 0, keyBytes)
	var anchored map[*yaml.Node]int32 // collections with an anchor, for aliases
	used := 0
	var add func(n *yaml.Node) int32
	add = func(n *yaml.Node) int32 {
		alias := false
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n, alias = n.Alias, true
		}
		if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode {
			return -1
		}
		if i, ok := anchored[n]; ok && alias {
			return i
		}
		i := int32(len(t.colls))
		if n.Anchor != "" {
			if anchored == nil {
				anchored = map[*yaml.Node]int32{}
			}
			anchored[n] = i
		}
		count := len(n.Content)
		if n.Kind == yaml.MappingNode {
			count /= 2
		}
		first := used
		used += count
		if used > len(t.entries) { // an alias to a node not seen yet; yaml.v3 never makes one
			t.entries = append(t.entries, make([]posEntry, used-len(t.entries))...)
		}
		t.colls = append(t.colls, posColl{kind: n.Kind, first: int32(first), n: int32(count)})
		for e := range count {
			if n.Kind == yaml.SequenceNode {
				item := n.Content[e]
				t.entries[first+e] = posEntry{line: int32(item.Line), col: int32(item.Column)}
				t.entries[first+e].val = add(item)
				continue
			}
			k := n.Content[2*e]
			t.entries[first+e] = posEntry{keyOff: int32(len(keys)), keyLen: int32(len(k.Value)), line: int32(k.Line), col: int32(k.Column)}
			keys = append(keys, k.Value...)
			t.entries[first+e].val = add(n.Content[2*e+1])
		}
		return i
	}
	t.root = add(root)
	t.keys = string(keys)
	return t
}

// countPos sizes a posTree: collections and entries reachable without
// following aliases (an alias reuses its target), and key bytes.
func countPos(n *yaml.Node) (colls, entries, keyBytes int) {
	switch n.Kind {
	case yaml.MappingNode:
		colls, entries = 1, len(n.Content)/2
		for i := 0; i+1 < len(n.Content); i += 2 {
			keyBytes += len(n.Content[i].Value)
		}
	case yaml.SequenceNode:
		colls, entries = 1, len(n.Content)
	}
	for _, c := range n.Content {
		cc, ce, ck := countPos(c)
		colls, entries, keyBytes = colls+cc, entries+ce, keyBytes+ck
	}
	return colls, entries, keyBytes
}

func (t *posTree) key(e *posEntry) string { return t.keys[e.keyOff : e.keyOff+e.keyLen] }

// locate is Locate on the compact tree; the two must agree.
func (t *posTree) locate(path string) Pos {
	pos := Pos{Line: int(t.line), Col: int(t.col)}
	cur := t.root
	for _, seg := range parsePath(path) {
		if cur < 0 {
			return pos
		}
		c := &t.colls[cur]
		var next *posEntry
		switch {
		case seg.index >= 0 && c.kind == yaml.SequenceNode && seg.index < int(c.n):
			next = &t.entries[int(c.first)+seg.index]
		case seg.index < 0 && c.kind == yaml.MappingNode:
			for i := c.first; i < c.first+c.n; i++ {
				if e := &t.entries[i]; t.key(e) == seg.key {
					next = e
					break
				}
			}
		}
		if next == nil {
			return pos
		}
		pos = Pos{Line: int(next.line), Col: int(next.col)}
		cur = next.val
	}
	return pos
}

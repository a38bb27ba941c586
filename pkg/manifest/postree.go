package manifest

import yaml "go.yaml.in/yaml/v3"

// posTree is a compact copy of a document's node tree that holds only what
// Locate reads: kinds, positions, mapping keys and alias targets. Objects
// with findings keep it between Pos calls; a yaml.Node tree weighs about
// five times as much, and a large input can have findings on most objects.
type posTree struct {
	nodes []posNode
	kids  []int32 // children of nodes[i] are kids[first : first+n]
}

type posNode struct {
	key       string // Value of a mapping key node, "" for other nodes
	line, col int32
	kind      yaml.Kind
	alias     int32 // node an alias points to, -1 for none
	first, n  int32
}

func newPosTree(root *yaml.Node) *posTree {
	count := countNodes(root)
	t := &posTree{nodes: make([]posNode, 0, count), kids: make([]int32, 0, count)}
	var anchors map[*yaml.Node]int32
	var add func(n *yaml.Node, isKey bool) int32
	add = func(n *yaml.Node, isKey bool) int32 {
		i := int32(len(t.nodes))
		pn := posNode{line: int32(n.Line), col: int32(n.Column), kind: n.Kind, alias: -1}
		if isKey {
			pn.key = n.Value
		}
		if n.Kind == yaml.AliasNode {
			if j, ok := anchors[n.Alias]; ok {
				pn.alias = j
			}
		}
		t.nodes = append(t.nodes, pn)
		if n.Anchor != "" {
			if anchors == nil {
				anchors = map[*yaml.Node]int32{}
			}
			anchors[n] = i
		}
		if len(n.Content) > 0 {
			first := len(t.kids)
			t.kids = append(t.kids, make([]int32, len(n.Content))...)
			for c, child := range n.Content {
				t.kids[first+c] = add(child, n.Kind == yaml.MappingNode && c%2 == 0)
			}
			t.nodes[i].first, t.nodes[i].n = int32(first), int32(len(n.Content))
		}
		return i
	}
	add(root, false)
	return t
}

func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

func (t *posTree) child(n *posNode, i int) *posNode { return &t.nodes[t.kids[int(n.first)+i]] }

// locate is Locate on the compact tree; the two must agree.
func (t *posTree) locate(path string) Pos {
	n := &t.nodes[0]
	pos := Pos{Line: int(n.line), Col: int(n.col)}
	for _, seg := range parsePath(path) {
		for n.kind == yaml.AliasNode && n.alias >= 0 {
			n = &t.nodes[n.alias]
		}
		var next *posNode
		switch {
		case seg.index >= 0 && n.kind == yaml.SequenceNode && seg.index < int(n.n):
			next = t.child(n, seg.index)
			pos = Pos{Line: int(next.line), Col: int(next.col)}
		case seg.index < 0 && n.kind == yaml.MappingNode:
			for i := 0; i+1 < int(n.n); i += 2 {
				if k := t.child(n, i); k.key == seg.key {
					next = t.child(n, i+1)
					pos = Pos{Line: int(k.line), Col: int(k.col)}
					break
				}
			}
		}
		if next == nil {
			return pos
		}
		n = next
	}
	return pos
}

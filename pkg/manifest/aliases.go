package manifest

import yaml "go.yaml.in/yaml/v3"

// Alias expansion bounds. MaxNodes caps one document; these keep the
// work proportional to the input, so that a file of many small "billion
// laughs" documents costs no more than a file of real manifests of its
// size: a document's aliases may expand it to AliasRatio times the nodes
// it is written with, or to AliasFloor nodes if that is more.
const (
	AliasRatio = 10
	AliasFloor = 1000
)

// CheckAliases refuses a document whose aliases would expand it past the
// bounds above, and an alias that contains itself, before anything
// expands it. It walks each node once, whatever the aliases: the size of
// an anchored node is computed once and reused. Errors are *PosError at
// the alias that crosses the bound.
func CheckAliases(root *yaml.Node) error {
	if root == nil {
		return nil
	}
	s := aliasSizer{sizes: map[*yaml.Node]int{}}
	written, aliases := s.written(root)
	if aliases == 0 {
		return nil
	}
	budget := max(AliasFloor, AliasRatio*written)
	s.limit = budget + 1
	total := 0
	var culprit *yaml.Node
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.AliasNode {
			size := s.size(n)
			total = satAdd(total, size, s.limit)
			if total > budget || s.cycle != nil {
				culprit = n
				return false
			}
			return true
		}
		total = satAdd(total, 1, s.limit)
		for _, c := range n.Content {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	walk(root)
	switch {
	case s.cycle != nil:
		return errAt(s.cycle, "alias *%s refers to a node that contains it, so it never ends", s.cycle.Value)
	case culprit != nil:
		return errAt(culprit, "aliases expand this document past %d nodes from the %d it is written with (an alias bomb?); "+
			"meshbatch expands a document to at most %d times its size, or %d nodes", budget, written, AliasRatio, AliasFloor)
	}
	return nil
}

type aliasSizer struct {
	sizes map[*yaml.Node]int // expanded size of alias targets; -1 while being computed
	limit int                // sizes saturate here
	cycle *yaml.Node         // the first alias found inside its own target
}

// written counts the nodes as written (aliases count one each) and the
// aliases among them.
func (s *aliasSizer) written(n *yaml.Node) (nodes, aliases int) {
	nodes = 1
	if n.Kind == yaml.AliasNode {
		aliases = 1
	}
	for _, c := range n.Content {
		cn, ca := s.written(c)
		nodes += cn
		aliases += ca
	}
	return nodes, aliases
}

// size is the number of nodes n stands for once every alias under it is
// expanded, saturating at s.limit.
func (s *aliasSizer) size(n *yaml.Node) int {
	if n.Kind == yaml.AliasNode {
		t := n.Alias
		if t == nil {
			return 1
		}
		sz, done := s.sizes[t]
		switch {
		case done && sz < 0:
			if s.cycle == nil {
				s.cycle = n
			}
			return s.limit
		case done:
			return satAdd(1, sz, s.limit)
		}
		s.sizes[t] = -1
		sz = s.size(t)
		s.sizes[t] = sz
		return satAdd(1, sz, s.limit)
	}
	total := 1
	for _, c := range n.Content {
		total = satAdd(total, s.size(c), s.limit)
		if total >= s.limit {
			return s.limit
		}
	}
	return total
}

func satAdd(a, b, limit int) int {
	if a >= limit || b >= limit || a+b >= limit {
		return limit
	}
	return a + b
}

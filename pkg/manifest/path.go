package manifest

import (
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Pos is a 1-based line and column in a file.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

// A field path names a field inside an object, the way kubectl explain and
// CEL messages do: dots between field names, [N] for list items and
// ["key"] for map keys that contain dots or slashes, for example
//
//	spec.template.metadata.annotations["sidecar.istio.io/inject"]
//	spec.template.spec.containers[0].command
type segment struct {
	key   string
	index int // -1 for a key
}

func parsePath(path string) []segment {
	var segs []segment
	for len(path) > 0 {
		switch path[0] {
		case '.':
			path = path[1:]
		case '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return segs
			}
			inner := path[1:end]
			if strings.HasPrefix(inner, `"`) {
				// a quoted key may itself contain ']'
				if q, err := strconv.QuotedPrefix(inner); err == nil {
					key, _ := strconv.Unquote(q)
					segs = append(segs, segment{key: key, index: -1})
					rest := path[1+len(q):]
					path = strings.TrimPrefix(rest, "]")
					continue
				}
			}
			i, err := strconv.Atoi(inner)
			if err != nil {
				segs = append(segs, segment{key: inner, index: -1})
			} else {
				segs = append(segs, segment{index: i})
			}
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			segs = append(segs, segment{key: path[:end], index: -1})
			path = path[end:]
		}
	}
	return segs
}

// Key returns the path segment for a map key, quoted when it needs to be.
func Key(key string) string {
	if strings.ContainsAny(key, `./[]"`) || key == "" {
		return "[" + strconv.Quote(key) + "]"
	}
	return "." + key
}

// Locate walks a node tree along path and returns the position of the
// deepest node it reaches: the key of the last mapping entry found, or the
// list item. A path that leaves the tree early points at its last existing
// ancestor, which is where the missing field would go.
func Locate(root *yaml.Node, path string) Pos {
	n := root
	pos := Pos{Line: root.Line, Col: root.Column}
	for _, seg := range parsePath(path) {
		for n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		var next *yaml.Node
		switch {
		case seg.index >= 0 && n.Kind == yaml.SequenceNode && seg.index < len(n.Content):
			next = n.Content[seg.index]
			pos = Pos{Line: next.Line, Col: next.Column}
		case seg.index < 0 && n.Kind == yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg.key {
					next = n.Content[i+1]
					pos = Pos{Line: n.Content[i].Line, Col: n.Content[i].Column}
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

// FindKey returns the position of the first mapping key named key in a
// depth-first walk of n, for errors that name a field but not its path.
func FindKey(n *yaml.Node, key string) (Pos, bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return Pos{Line: n.Content[i].Line, Col: n.Content[i].Column}, true
			}
			if p, ok := FindKey(n.Content[i+1], key); ok {
				return p, true
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			if p, ok := FindKey(c, key); ok {
				return p, true
			}
		}
	}
	return Pos{}, false
}

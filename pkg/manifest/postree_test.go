package manifest

import (
	"fmt"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/meshbatch/meshbatch/internal/corpusgen"
)

var locateCases = []string{
	"a: &x {p: 1, q: [1, 2]}\nb: *x\nc:\n  <<: *x\n  r: 2\n",
	"a: &a [*a, 1]\n",
	"\"a.b\": {\"c]\": [x, {d: 1}]}\ne: null\n",
	"- a\n- {b: [1, [2, 3]]}\n",
	"? [k]\n: v\nz: 1\nz2: 2\n",
}

// paths lists every path in a tree, plus a missing key and an index past
// the end under each collection, as Locate's callers may ask.
func paths(n *yaml.Node, prefix string, depth int, out *[]string) {
	*out = append(*out, prefix)
	if depth > 12 {
		return
	}
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			seg := Key(n.Content[i].Value)
			if prefix == "" && seg[0] == '.' {
				seg = seg[1:]
			}
			paths(n.Content[i+1], prefix+seg, depth+1, out)
		}
		*out = append(*out, prefix+".missing", prefix+"[0]")
	case yaml.SequenceNode:
		for i, c := range n.Content {
			paths(c, fmt.Sprintf("%s[%d]", prefix, i), depth+1, out)
		}
		*out = append(*out, fmt.Sprintf("%s[%d]", prefix, len(n.Content)), prefix+".key")
	}
}

func checkSameLocate(t *testing.T, doc []byte) {
	t.Helper()
	n, err := ParseNode(doc)
	if err != nil || n == nil {
		return
	}
	tree := newPosTree(n)
	var ps []string
	paths(n, "", 0, &ps)
	for _, p := range ps {
		if got, want := tree.locate(p), Locate(n, p); got != want {
			t.Fatalf("%q: path %q: compact tree says %+v, Locate %+v", doc, p, got, want)
		}
	}
}

func TestPosTreeMatchesLocate(t *testing.T) {
	for _, c := range append(locateCases, jsonCases...) {
		checkSameLocate(t, []byte(c))
	}
	for _, f := range corpusgen.Generate(corpusgen.Options{Objects: 200}) {
		for _, c := range SplitDocuments(f.Data) {
			checkSameLocate(t, c.Data)
		}
	}
}

func FuzzPosTreeMatchesLocate(f *testing.F) {
	for _, c := range append(locateCases, jsonCases...) {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 2048 {
			return
		}
		checkSameLocate(t, doc)
	})
}

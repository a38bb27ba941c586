package manifest

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// TestEditorProperties adds a key to every mapping and deletes every
// scalar entry of the manifests in the rule fixtures and the shared
// corpus, one edit at a time, and checks that the edited file reads back
// as the same data with just that change, every other document intact.
func TestEditorProperties(t *testing.T) {
	var files []string
	for _, root := range []string{"../rules/checks/testdata", "../../examples", "/work/shared/corpus"} {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				files = append(files, path)
			}
			return nil
		})
	}
	sets, deletes, declined := 0, 0, 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		objs, _ := ReadFile(file, data, Limits{})
		before, ok := decodeAll(data)
		if !ok {
			continue
		}
		for _, o := range objs {
			if o.Item >= 0 || o.Doc >= len(before) {
				continue
			}
			ed, err := o.Editor()
			if err != nil || ed.load() != nil {
				continue
			}
			for _, m := range mappings(ed.root, "", 0) {
				check := func(what string, edit func(*Editor) error, want func(doc any) any) {
					ed, _ := o.Editor()
					if err := edit(ed); err != nil {
						declined++
						return
					}
					after, ok := decodeAll([]byte(applyEdits(string(data), ed.Edits())))
					if !ok {
						t.Errorf("%s: %s %q: the result does not parse", file, what, m.path)
						return
					}
					wantAll := deepCopy(before).([]any)
					wantAll[o.Doc] = want(wantAll[o.Doc])
					if !reflect.DeepEqual(after, wantAll) {
						t.Errorf("%s: %s %q: got\n%v\nwant\n%v", file, what, m.path, after[o.Doc], wantAll[o.Doc])
					}
				}
				sets++
				check("set", func(ed *Editor) error { return ed.Set(m.path, "meshbatch.dev/x", "v: 1") },
					func(doc any) any { at(doc, m.segs).(map[string]any)["meshbatch.dev/x"] = "v: 1"; return doc })
				for _, k := range m.scalarKeys {
					deletes++
					check("delete "+k, func(ed *Editor) error { return ed.Delete(joinPath(m.path, k)) },
						func(doc any) any { deleteKey(doc, append(append([]any{}, m.segs...), k)); return doc })
				}
			}
		}
	}
	t.Logf("%d sets, %d deletes tried, %d declined", sets, deletes, declined)
	if sets < 1000 || declined > (sets+deletes)/4 {
		t.Errorf("too few edits made: %d sets, %d deletes, %d declined", sets, deletes, declined)
	}
}

type mapping struct {
	path       string
	segs       []any // string keys, int indexes
	scalarKeys []string
}

// mappings lists the mappings under n (not through aliases or anchors),
// to a depth of 8.
func mappings(n *yaml.Node, path string, depth int) []mapping {
	if depth > 8 || n.Anchor != "" || n.Kind == yaml.AliasNode {
		return nil
	}
	var out []mapping
	var segs []any
	for _, s := range parsePath(path) {
		if s.index >= 0 {
			segs = append(segs, s.index)
		} else {
			segs = append(segs, s.key)
		}
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := mapping{path: path, segs: segs}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
				return nil
			}
			if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
				m.scalarKeys = append(m.scalarKeys, k.Value)
			}
			out = append(out, mappings(v, joinPath(path, k.Value), depth+1)...)
		}
		out = append(out, m)
	case yaml.SequenceNode:
		for i, c := range n.Content {
			out = append(out, mappings(c, path+"["+strconv.Itoa(i)+"]", depth+1)...)
		}
	}
	return out
}

func decodeAll(data []byte) ([]any, bool) {
	var out []any
	for _, c := range SplitDocuments(data) {
		var v any
		if err := yaml.Unmarshal(c.Data, &v); err != nil {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

func at(doc any, segs []any) any {
	for _, s := range segs {
		switch s := s.(type) {
		case string:
			doc = doc.(map[string]any)[s]
		case int:
			doc = doc.([]any)[s]
		}
	}
	return doc
}

// deleteKey removes the entry at segs, and the mappings it leaves empty
// (as Editor.Delete does), not the document itself.
func deleteKey(doc any, segs []any) {
	for len(segs) > 0 {
		parent := at(doc, segs[:len(segs)-1])
		m, ok := parent.(map[string]any)
		if !ok {
			return
		}
		delete(m, segs[len(segs)-1].(string))
		if len(m) > 0 || len(segs) < 2 {
			return
		}
		if _, key := segs[len(segs)-2].(string); !key {
			return
		}
		if _, isMap := at(doc, segs[:len(segs)-2]).(map[string]any); !isMap {
			return
		}
		segs = segs[:len(segs)-1]
	}
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

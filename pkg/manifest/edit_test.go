package manifest

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// applyEdits applies non-overlapping edits, an insertion before a
// replacement that starts where it does.
func applyEdits(data string, edits []Edit) string {
	edits = slices.Clone(edits)
	slices.SortStableFunc(edits, func(a, b Edit) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return a.End - b.End
	})
	var b strings.Builder
	at := 0
	for _, e := range edits {
		b.WriteString(data[at:e.Start])
		b.WriteString(e.New)
		at = e.End
	}
	return b.String() + data[at:]
}

func editorOf(t *testing.T, data string, doc int) *Editor {
	t.Helper()
	objs, probs := ReadFile("f.yaml", []byte(data), Limits{})
	if len(probs) > 0 {
		t.Fatalf("input: %v", probs)
	}
	ed, err := objs[doc].Editor()
	if err != nil {
		t.Fatal(err)
	}
	return ed
}

func TestEditor(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		doc            int
		edit           func(*Editor) error
	}{{
		name: "set into a block mapping, after its last entry",
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: a\n  annotations:\n    x: \"1\" # keep\nspec: {}\n",
		edit: func(e *Editor) error { return e.Set("metadata.annotations", "y.io/z", "true") },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: a\n  annotations:\n    x: \"1\" # keep\n    y.io/z: \"true\"\nspec: {}\n",
	}, {
		name: "set creates the mappings on the way, metadata before spec, at the document's indentation",
		in:   "apiVersion: example.com/v1\nkind: Thing\nspec:\n    template:\n        spec:\n            restartPolicy: Never\n",
		edit: func(e *Editor) error { return e.Set("spec.template.metadata.labels", "k", "v") },
		want: "apiVersion: example.com/v1\nkind: Thing\nspec:\n    template:\n        metadata:\n            labels:\n                k: v\n        spec:\n            restartPolicy: Never\n",
	}, {
		name: "set into a flow mapping, quoted like its values",
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a, annotations: {x: 'y'}}\n",
		edit: func(e *Editor) error { return e.Set("metadata.annotations", "k", "true") },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a, annotations: {x: 'y', k: 'true'}}\n",
	}, {
		name: "set into an empty flow mapping",
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  annotations: {}\n  name: a\n",
		edit: func(e *Editor) error { return e.Set("metadata.annotations", "k", "v, w") },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  annotations: {k: \"v, w\"}\n  name: a\n",
	}, {
		name: "set a flow mapping's missing child mapping",
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a}\n",
		edit: func(e *Editor) error { return e.Set("metadata.labels", "k", "v") },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a, labels: {k: v}}\n",
	}, {
		name: "set replaces an existing value, keeping its quotes",
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  labels:\n    k: 'old' # c\n",
		edit: func(e *Editor) error { return e.Set("metadata.labels", "k", "new") },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  labels:\n    k: 'new' # c\n",
	}, {
		name: "CRLF line breaks and no final line break",
		in:   "apiVersion: example.com/v1\r\nkind: Thing\r\nmetadata:\r\n  name: a",
		edit: func(e *Editor) error { return e.Set("metadata", "namespace", "b") },
		want: "apiVersion: example.com/v1\r\nkind: Thing\r\nmetadata:\r\n  name: a\r\n  namespace: b",
	}, {
		name: "delete the only entry takes its mapping",
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: a\n  annotations:\n    x: \"1\"\n  labels: {}\n",
		edit: func(e *Editor) error { return e.Delete(`metadata.annotations.x`) },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: a\n  labels: {}\n",
	}, {
		name: "delete from a flow mapping",
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a, labels: {x: \"1\", y: \"2\"}}\n",
		edit: func(e *Editor) error { return e.Delete("metadata.labels.y") },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a, labels: {x: \"1\"}}\n",
	}, {
		name: "move with the comment, into the second document",
		doc:  1,
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a}\n---\napiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: b\n  annotations:\n    k: \"v\"  # why\n    o: p\nspec:\n  template:\n    spec: {}\n",
		edit: func(e *Editor) error { return e.Move(`metadata.annotations.k`, "spec.template.metadata.labels", "k") },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a}\n---\napiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: b\n  annotations:\n    o: p\nspec:\n  template:\n    metadata:\n      labels:\n        k: \"v\"  # why\n    spec: {}\n",
	}, {
		name: "move inside one mapping keeps it",
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  annotations:\n    k: \"v\"\n",
		edit: func(e *Editor) error { return e.Move(`metadata.annotations.k`, "metadata.labels", "k") },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  labels:\n    k: \"v\"\n",
	}, {
		name: "replace in a scalar",
		in:   "apiVersion: example.com/v1\nkind: Thing\nspec:\n  p: [\"spiffe://td/ns/a/sa/b\", other]\n",
		edit: func(e *Editor) error { return e.ReplaceInScalar("spec.p[0]", "spiffe://", "") },
		want: "apiVersion: example.com/v1\nkind: Thing\nspec:\n  p: [\"td/ns/a/sa/b\", other]\n",
	}, {
		name: "append to a literal block",
		in:   "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  annotations:\n    c: |\n      a: 1\n\n    d: e\n",
		edit: func(e *Editor) error { return e.AppendToBlock(`metadata.annotations.c`, "b: 2") },
		want: "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  annotations:\n    c: |\n      a: 1\n      b: 2\n\n    d: e\n",
	}, {
		name: "rename a key on a list dash's line",
		in:   "apiVersion: example.com/v1\nkind: Thing\nspec:\n  env:\n    - name: A # c\n      value: \"1\"\n",
		edit: func(e *Editor) error { return e.RenameKey("spec.env[0].name", "B") },
		want: "apiVersion: example.com/v1\nkind: Thing\nspec:\n  env:\n    - B: A # c\n      value: \"1\"\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ed := editorOf(t, tc.in, tc.doc)
			err := tc.edit(ed)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("want no edit, got %+v", ed.Edits())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := applyEdits(tc.in, ed.Edits()); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestEditorDeclines lists shapes no edit is offered for.
func TestEditorDeclines(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		edit     func(*Editor) error
	}{
		{"an anchored mapping", "apiVersion: example.com/v1\nkind: Thing\nmetadata: &m\n  labels:\n    a: b\n", func(e *Editor) error { return e.Set("metadata.labels", "c", "d") }},
		{"a null mapping", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  labels:\n", func(e *Editor) error { return e.Set("metadata.labels", "c", "d") }},
		{"a key that is there", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  labels: {a: b}\n", func(e *Editor) error { return e.Move("metadata.labels.a", "metadata.labels", "a") }},
		{"a multi-line plain scalar", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  labels:\n    a: b\n      c\n", func(e *Editor) error { return e.ReplaceScalar("metadata.labels.a", "d") }},
		{"a comment into a flow mapping", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  annotations:\n    a: b # c\n  labels: {x: y}\n", func(e *Editor) error { return e.Move("metadata.annotations.a", "metadata.labels", "a") }},
		{"a key after a list dash", "apiVersion: example.com/v1\nkind: Thing\nspec:\n  - a: b\n    c: d\n", func(e *Editor) error { return e.Delete("spec[0].a") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ed := editorOf(t, tc.in, 0)
			if err := tc.edit(ed); !errors.Is(err, ErrNoEdit) {
				t.Errorf("got %v and edits %+v, want ErrNoEdit", err, ed.Edits())
			}
		})
	}
}

// TestEditPositions checks the line and column of edits against their
// byte offsets, past multi-byte characters.
func TestEditPositions(t *testing.T) {
	in := "apiVersion: example.com/v1\nkind: Thing # é\nmetadata:\n  labels:\n    a: \"é\"\n"
	ed := editorOf(t, in, 0)
	if err := ed.ReplaceScalar("metadata.labels.a", "b"); err != nil {
		t.Fatal(err)
	}
	e := ed.Edits()[0]
	if in[e.Start:e.End] != `"é"` || e.StartPos != (Pos{Line: 5, Col: 8}) || e.EndPos != (Pos{Line: 5, Col: 11}) {
		t.Errorf("edit %+v", e)
	}
}

func TestInsertItems(t *testing.T) {
	wrapper := "a \"$@\" &\n  b\n"
	for _, tc := range []struct{ name, in, want string }{{
		"flow",
		"apiVersion: example.com/v1\nkind: Thing\ncommand: [\"/bin/sh\", \"-c\", \"run\"]\n",
		"apiVersion: example.com/v1\nkind: Thing\ncommand: [\"/bin/sh\", \"-c\", \"a \\\"$@\\\" &\\n  b\\n\", \"w\", \"/bin/sh\", \"-c\", \"run\"]\n",
	}, {
		"block",
		"apiVersion: example.com/v1\nkind: Thing\ncommand:\n  - sh\n  - -c # shell\n  - |\n    run\nargs: [x]\n",
		"apiVersion: example.com/v1\nkind: Thing\ncommand:\n  - sh\n  - -c # shell\n  - |\n    a \"$@\" &\n      b\n  - w\n  - sh\n  - -c\n  - |\n    run\nargs: [x]\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ed := editorOf(t, tc.in, 0)
			sh := "/bin/sh"
			if tc.name == "block" {
				sh = "sh"
			}
			if err := ed.InsertItems("command", 1, []string{wrapper, "w", sh, "-c"}); err != nil {
				t.Fatal(err)
			}
			if got := applyEdits(tc.in, ed.Edits()); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

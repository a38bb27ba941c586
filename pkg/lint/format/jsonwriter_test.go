package format

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestJSONWriterWritesAsEncoder: a document written a member at a time is
// byte for byte what json.Encoder (indented, HTML not escaped) writes for
// the whole value: empty and filled objects and arrays, nested ones, and
// strings that need escaping.
func TestJSONWriterWritesAsEncoder(t *testing.T) {
	type item struct {
		Name string   `json:"name"`
		Tags []string `json:"tags,omitempty"`
	}
	items := []item{{Name: "<a> & \"b\"", Tags: []string{"x", "ü\u2028"}}, {Name: "c\n"}}
	type whole struct {
		Version int               `json:"version"`
		Items   []item            `json:"items"`
		None    []item            `json:"none"`
		Inner   map[string][]item `json:"inner"`
		Empty   struct{}          `json:"empty"`
		Last    map[string]int    `json:"last"`
	}
	want := whole{Version: 1, Items: items, None: []item{}, Inner: map[string][]item{"deep": items}, Last: map[string]int{}}
	var wantBuf bytes.Buffer
	enc := json.NewEncoder(&wantBuf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(want); err != nil {
		t.Fatal(err)
	}

	var got bytes.Buffer
	jw := newJSONWriter(&got)
	jw.open("", '{')
	jw.member("version", 1)
	jw.open("items", '[')
	for _, it := range items {
		jw.member("", it)
	}
	jw.close(']')
	jw.open("none", '[')
	jw.close(']')
	jw.open("inner", '{')
	jw.open("deep", '[')
	for _, it := range items {
		jw.member("", it)
	}
	jw.close(']')
	jw.close('}')
	jw.open("empty", '{')
	jw.close('}')
	jw.member("last", map[string]int{})
	jw.close('}')
	if err := jw.finish(); err != nil {
		t.Fatal(err)
	}
	if got.String() != wantBuf.String() {
		t.Errorf("written a member at a time:\n%s\nwant, as json.Encoder writes it:\n%s", got.String(), wantBuf.String())
	}

	// An error of a member's encoding is the document's.
	var sink bytes.Buffer
	jw = newJSONWriter(&sink)
	jw.open("", '[')
	jw.member("", func() {})
	jw.close(']')
	if err := jw.finish(); err == nil {
		t.Error("a value JSON cannot encode gave no error")
	}
}

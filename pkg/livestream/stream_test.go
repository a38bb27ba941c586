package livestream

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func stream(t *testing.T, frames func(w *Writer), end bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	frames(w)
	if end {
		if err := w.Frame(TypeEnd, nil); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestRoundTrip: what the writer writes, the source reads back: the
// context and facts up front, pages in order, notes to the callback,
// errors kept, io.EOF after the end.
func TestRoundTrip(t *testing.T) {
	data := stream(t, func(w *Writer) {
		w.Frame(TypeContext, []byte("prod-eu"))
		w.Frame(TypeFacts, []byte("facts:\n  kubernetesVersion: \"1.33\"\n"))
		w.Frame(TypeNote, []byte("no istiod"))
		w.Page([][]byte{[]byte(`{"kind":"Pod"}`), []byte("{\"kind\":\"Job\"}\n")})
		w.Frame(TypeError, []byte("cannot list pods: forbidden"))
		w.Page([][]byte{[]byte(`{"kind":"Service"}`)})
	}, true)
	var notes []string
	src, err := Open(bytes.NewReader(data), func(ctx, n string) { notes = append(notes, ctx+": "+n) })
	if err != nil {
		t.Fatal(err)
	}
	if src.Context != "prod-eu" || !strings.Contains(string(src.Facts), "kubernetesVersion") {
		t.Errorf("context %q, facts %q", src.Context, src.Facts)
	}
	var pages []string
	for {
		p, err := src.Next(nil)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, string(p))
	}
	want := []string{"---\n{\"kind\": \"Pod\"}\n---\n{\"kind\": \"Job\"}\n", "---\n{\"kind\": \"Service\"}\n"}
	if strings.Join(pages, "|") != strings.Join(want, "|") {
		t.Errorf("pages %q, want %q", pages, want)
	}
	if len(notes) != 1 || notes[0] != "prod-eu: no istiod" {
		t.Errorf("notes %q", notes)
	}
	if errs := src.Errors(); len(errs) != 1 || errs[0].Error() != "cluster prod-eu: cannot list pods: forbidden" {
		t.Errorf("errors %v", errs)
	}
}

// TestBrokenStreams: a stream cut short, a corrupt header, one that is
// not a stream, one without its facts, and a frame of an unknown type
// are all said, never read as a whole cluster.
func TestBrokenStreams(t *testing.T) {
	head := func(w *Writer) {
		w.Frame(TypeContext, []byte("c"))
		w.Frame(TypeFacts, []byte("{}\n"))
		w.Page([][]byte{[]byte(`{}`)})
	}
	cut := stream(t, head, false)
	src, err := Open(bytes.NewReader(cut), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(nil); err != nil {
		t.Fatalf("the first page: %v", err)
	}
	if _, err := src.Next(nil); err == nil || !strings.Contains(err.Error(), "stopped before its end") {
		t.Errorf("a stream without its end frame: %v", err)
	}

	corrupt := bytes.Replace(stream(t, head, true), []byte("page 7\n"), []byte("page 70\n"), 1)
	src, err = Open(bytes.NewReader(corrupt), nil)
	if err == nil {
		_, err = src.Next(nil)
	}
	if err == nil {
		t.Error("a frame longer than its header says was read")
	}

	if _, err := Open(strings.NewReader("apiVersion: v1\n"), nil); err == nil || !strings.Contains(err.Error(), "not a meshbatch-facts --list stream") {
		t.Errorf("YAML instead of a stream: %v", err)
	}
	if _, err := Open(bytes.NewReader(stream(t, func(w *Writer) { w.Page([][]byte{[]byte(`{}`)}) }, true)), nil); err == nil {
		t.Error("a stream without context and facts was opened")
	}
	src, err = Open(bytes.NewReader(stream(t, func(w *Writer) {
		head(w)
		w.Frame("watch", []byte("x"))
	}, true)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := src.Next(nil); err != nil {
			break
		}
	}
	if len(src.Errors()) != 1 || !strings.Contains(src.Errors()[0].Error(), `"watch" frame`) {
		t.Errorf("an unknown frame: %v", src.Errors())
	}
}

// TestAppendSpaced: a space after every colon outside strings, none in
// strings (escaped quotes included), and the document is the same JSON.
func TestAppendSpaced(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1,"b":{"c:d":"e\":f","g":[1,{"h":"\\"}]}}`: `{"a": 1,"b": {"c:d": "e\":f","g": [1,{"h": "\\"}]}}`,
		`[1,2]`: `[1,2]`,
		`a: b`:  `a: b`,
	} {
		if got := string(appendSpaced(nil, []byte(in))); got != want {
			t.Errorf("appendSpaced(%s) = %s, want %s", in, got, want)
		}
		var a, b any
		if json.Unmarshal([]byte(in), &a) == nil {
			if err := json.Unmarshal([]byte(want), &b); err != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("%s is not the same JSON as %s", want, in)
			}
		}
	}
}

// TestFirstPageHandedOver: the first page, which Open reads to get past
// the facts, is handed to the caller as it is, not copied into the
// caller's buffer: the reader never holds two pages of raw objects.
func TestFirstPageHandedOver(t *testing.T) {
	data := stream(t, func(w *Writer) {
		w.Frame(TypeContext, []byte("prod-eu"))
		w.Frame(TypeFacts, []byte("facts: {}\n"))
		w.Page([][]byte{[]byte(`{"kind":"Namespace"}`)})
		w.Page([][]byte{[]byte(`{"kind":"Pod"}`)})
	}, true)
	s, err := Open(bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	read := s.pending
	page, err := s.Next(make([]byte, 0, 1<<10))
	if err != nil || string(page) != "---\n{\"kind\": \"Namespace\"}\n" {
		t.Fatalf("first page %q, %v", page, err)
	}
	if &page[0] != &read[0] || s.pending != nil {
		t.Errorf("the first page was copied (or kept): the source held it twice")
	}
	if page, err = s.Next(nil); err != nil || !strings.Contains(string(page), "Pod") {
		t.Errorf("second page %q, %v", page, err)
	}
}

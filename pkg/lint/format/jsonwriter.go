package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// jsonWriter writes one JSON document a member at a time, byte for byte as
// a json.Encoder with SetIndent("", "  ") and SetEscapeHTML(false) writes
// the whole value. The JSON and SARIF reports stream their findings
// through it: encoding every finding at once holds the report two or
// three times over (compact, then indented).
type jsonWriter struct {
	w     *bufio.Writer
	buf   bytes.Buffer
	enc   *json.Encoder // encodes into buf
	empty []bool        // for each open object or array: nothing in it yet
	err   error
}

func newJSONWriter(w io.Writer) *jsonWriter {
	jw := &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}
	jw.enc = json.NewEncoder(&jw.buf)
	jw.enc.SetEscapeHTML(false)
	return jw
}

// open starts an object ("{") or array ("[") as the member key of the
// object open now ("" in an array, or for the document itself).
func (jw *jsonWriter) open(key string, bracket byte) {
	jw.startMember(key)
	jw.w.WriteByte(bracket)
	jw.empty = append(jw.empty, true)
}

// close ends the innermost open object or array.
func (jw *jsonWriter) close(bracket byte) {
	depth := len(jw.empty) - 1
	if !jw.empty[depth] {
		jw.w.WriteByte('\n')
		jw.w.WriteString(strings.Repeat("  ", depth))
	}
	jw.w.WriteByte(bracket)
	jw.empty = jw.empty[:depth]
}

// member writes v as the member key of the open object, or as the next
// element of the open array when key is "".
func (jw *jsonWriter) member(key string, v any) {
	jw.startMember(key)
	jw.encode(strings.Repeat("  ", len(jw.empty)), v)
}

// finish ends the document as Encode does, with a newline, and flushes it.
func (jw *jsonWriter) finish() error {
	jw.w.WriteByte('\n')
	if err := jw.w.Flush(); jw.err == nil {
		jw.err = err
	}
	return jw.err
}

func (jw *jsonWriter) startMember(key string) {
	if depth := len(jw.empty); depth > 0 {
		if jw.empty[depth-1] {
			jw.w.WriteByte('\n')
		} else {
			jw.w.WriteString(",\n")
		}
		jw.empty[depth-1] = false
		jw.w.WriteString(strings.Repeat("  ", depth))
	}
	if key != "" {
		jw.encode("", key)
		jw.w.WriteString(": ")
	}
}

// encode writes v indented for a line that starts with prefix.
func (jw *jsonWriter) encode(prefix string, v any) {
	jw.buf.Reset()
	jw.enc.SetIndent(prefix, "  ")
	if err := jw.enc.Encode(v); err != nil {
		if jw.err == nil {
			jw.err = err
		}
		return
	}
	jw.w.Write(bytes.TrimSuffix(jw.buf.Bytes(), []byte{'\n'}))
}

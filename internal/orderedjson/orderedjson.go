// Package orderedjson writes a JSON object with its keys in the order they
// were set, which encoding/json's maps do not keep: a generated JSON Schema
// reads best, and diffs least, in the order of the Go fields it describes.
package orderedjson

import (
	"bytes"
	"encoding/json"
)

// Object is a JSON object whose keys keep the order Set gave them.
type Object []Member

// Member is one key and its value.
type Member struct {
	Key   string
	Value any
}

// Set appends key; a key set twice is written twice.
func (o *Object) Set(key string, value any) { *o = append(*o, Member{key, value}) }

// MarshalJSON writes the members in order. Values are encoded without HTML
// escaping: the encoder that writes the whole document decides that.
func (o Object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encode(&buf, m.Key); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := encode(&buf, m.Value); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func encode(buf *bytes.Buffer, v any) error {
	var one bytes.Buffer
	enc := json.NewEncoder(&one)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Write(bytes.TrimSuffix(one.Bytes(), []byte("\n")))
	return nil
}

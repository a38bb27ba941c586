package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// JSONValueAt finds the innermost value of a JSON text whose bytes end at
// or contain offset, as decoders report it, and returns its field path
// (spec.destinations[1].port) and, for a scalar, its literal text. It
// returns "" when the text is not JSON. Decoders name a field without its
// list indexes; this recovers them.
func JSONValueAt(js []byte, offset int64) (path, literal string) {
	path, literal, _, _ = jsonValueAt(js, offset)
	return path, literal
}

// JSONValueSpan is JSONValueAt's value as the byte range [start, end) of
// js, for a caller that replaces it; ok is false when there is none.
func JSONValueSpan(js []byte, offset int64) (path string, start, end int64, ok bool) {
	path, _, start, end = jsonValueAt(js, offset)
	if end <= start {
		return "", 0, 0, false
	}
	// The decoder's offset before a value may still point at the ":" or
	// "," before it, or at white space.
	for start < end && bytes.IndexByte([]byte(" \t\r\n:,"), js[start]) >= 0 {
		start++
	}
	return path, start, end, start < end
}

func jsonValueAt(js []byte, offset int64) (path, literal string, bestStart, bestEnd int64) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	bestLen := int64(-1)
	consider := func(p string, start, end int64, lit string) {
		if start < offset && offset <= end && (bestLen < 0 || end-start < bestLen) {
			bestLen, path, literal, bestStart, bestEnd = end-start, p, lit, start, end
		}
	}
	var walk func(p string) error
	walk = func(p string) error {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				if err := walk(strings.TrimPrefix(p+Key(key), ".")); err != nil {
					return err
				}
			}
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", p, i)); err != nil {
					return err
				}
			}
		default:
			consider(p, start, dec.InputOffset(), fmt.Sprint(tok))
			return nil
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
		consider(p, start, dec.InputOffset(), "")
		return nil
	}
	if err := walk(""); err != nil && !errors.Is(err, io.EOF) {
		return "", "", 0, 0
	}
	return path, literal, bestStart, bestEnd
}

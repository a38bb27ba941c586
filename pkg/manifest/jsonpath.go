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
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	bestLen := int64(-1)
	consider := func(p string, start, end int64, lit string) {
		if start < offset && offset <= end && (bestLen < 0 || end-start < bestLen) {
			bestLen, path, literal = end-start, p, lit
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
		return "", ""
	}
	return path, literal
}

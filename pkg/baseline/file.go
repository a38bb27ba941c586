package baseline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// The file is JSON with one entry per line, in key order, so that a change
// to the baseline is a diff of the lines it adds and drops:
//
//	{
//	  "schemaVersion": 1,
//	  "findings": [
//	    {"rule":"MB101","kind":"Job","namespace":"batch","name":"etl","fieldPath":"spec.template.spec","message":"…"},
//	    {"rule":"MB301","kind":"Job","namespace":"batch","name":"etl","message":"…","count":2}
//	  ]
//	}
//
// Parse reads any JSON of that shape (a file reformatted by a tool is
// fine); Write always writes this layout.

// Write writes the baseline in its file layout.
func (b *Baseline) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\n  \"schemaVersion\": %d,\n  \"findings\": [", SchemaVersion)
	for i, e := range b.Entries {
		if e.Count == 1 {
			e.Count = 0 // "count" is written only where a key repeats
		}
		var line bytes.Buffer
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false) // "<stdin>" as it is
		if err := enc.Encode(e); err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(bytes.TrimSuffix(line.Bytes(), []byte("\n")))
	}
	if len(b.Entries) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}

// Read reads and checks a baseline file. A file that does not exist is an
// error that wraps fs.ErrNotExist.
func Read(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("baseline %s: %w", path, pe.Err)
		}
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes a baseline file; name is used in errors, which start with
// name:line:column. Entries that are the same finding are added up.
func Parse(name string, data []byte) (*Baseline, error) {
	p := parser{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.DisallowUnknownFields()
	counts, err := p.parse()
	if err != nil {
		return nil, err
	}
	return fromCounts(counts), nil
}

type parser struct {
	name string
	data []byte
	dec  *json.Decoder
}

// errorAt is an error at a byte offset of the file, as name:line:col.
func (p *parser) errorAt(off int64, format string, args ...any) error {
	off = min(max(off, 0), int64(len(p.data)))
	before := p.data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Errorf("%s:%d:%d: %s", p.name, line, col, fmt.Sprintf(format, args...))
}

// next is the offset where the next value starts: past the white space
// and separator after the decoder's last token.
func (p *parser) next() int64 {
	off := p.dec.InputOffset()
	for off < int64(len(p.data)) && strings.IndexByte(" \t\r\n,:", p.data[off]) >= 0 {
		off++
	}
	return off
}

// syntaxError is the error of data that is not JSON, at the byte where
// it goes wrong (the decoder's offsets are not of the whole file).
func (p *parser) syntaxError() error {
	var se *json.SyntaxError
	if err := json.Unmarshal(p.data, new(any)); !errors.As(err, &se) {
		return nil
	}
	if se.Offset >= int64(len(p.data)) {
		return p.errorAt(int64(len(p.data)), "the file ends in the middle of the JSON (was it cut short?)")
	}
	return p.errorAt(se.Offset-1, "not valid JSON: %v", se)
}

// decodeError turns an error of the decoder in what, a value at offset
// at, into one with a position.
func (p *parser) decodeError(err error, at int64, what string) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return p.errorAt(at, "%s: %s is %s, want %s", what, te.Field, te.Value, te.Type)
	case errors.As(err, &te):
		return p.errorAt(at, "%s is %s, want %s", what, te.Value, te.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return p.errorAt(at, "%s: unknown key %s; an entry has rule, kind, namespace, name, file, fieldPath, message and count", what, field)
	}
	return p.errorAt(at, "%s: %v", what, err)
}

func (p *parser) delim(want json.Delim, what string) error {
	at := p.next()
	tok, err := p.dec.Token()
	if err != nil {
		return p.decodeError(err, at, what)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return p.errorAt(at, "%s: want %q, found %v", what, want, tok)
	}
	return nil
}

func (p *parser) parse() (map[key]int, error) {
	if len(bytes.TrimSpace(p.data)) == 0 {
		return nil, fmt.Errorf("%s: the file is empty (meshbatch lint --write-baseline %s PATH... writes a baseline)", p.name, p.name)
	}
	if err := p.syntaxError(); err != nil {
		return nil, err
	}
	if err := p.delim('{', "the baseline"); err != nil {
		return nil, err
	}
	counts := map[key]int{}
	version, sawFindings := 0, false
	for p.dec.More() {
		at := p.next()
		tok, err := p.dec.Token()
		if err != nil {
			return nil, p.decodeError(err, at, "the baseline")
		}
		switch tok {
		case "schemaVersion":
			at := p.next()
			if err := p.dec.Decode(&version); err != nil {
				return nil, p.decodeError(err, at, "schemaVersion")
			}
			if version != SchemaVersion {
				return nil, p.errorAt(at, "schemaVersion %d: this meshbatch reads baselines of schemaVersion %d (is the file from a newer meshbatch?)", version, SchemaVersion)
			}
		case "findings":
			sawFindings = true
			if err := p.delim('[', "findings"); err != nil {
				return nil, err
			}
			for i := 0; p.dec.More(); i++ {
				at := p.next()
				what := fmt.Sprintf("findings[%d]", i)
				var e Entry
				if err := p.dec.Decode(&e); err != nil {
					return nil, p.decodeError(err, at, what)
				}
				if err := checkEntry(e); err != nil {
					return nil, p.errorAt(at, "%s: %v", what, err)
				}
				counts[e.key()] += max(e.Count, 1)
			}
			if err := p.delim(']', "findings"); err != nil {
				return nil, err
			}
		default:
			return nil, p.errorAt(at, "unknown key %v; a baseline has schemaVersion and findings", tok)
		}
	}
	if err := p.delim('}', "the baseline"); err != nil {
		return nil, err
	}
	switch {
	case version == 0:
		return nil, fmt.Errorf("%s: no schemaVersion: is this a meshbatch baseline? (meshbatch lint --write-baseline writes one)", p.name)
	case !sawFindings:
		return nil, fmt.Errorf("%s: no findings list: is this a meshbatch baseline? (meshbatch lint --write-baseline writes one)", p.name)
	}
	return counts, nil
}

// checkEntry checks what the JSON decoder cannot.
func checkEntry(e Entry) error {
	switch {
	case e.Rule == "":
		return errors.New("no rule")
	case !isFingerprint(e.Message):
		return fmt.Errorf("message %q is not a message fingerprint (32 hex digits, as --write-baseline writes it)", e.Message)
	case e.Count < 0:
		return fmt.Errorf("count %d: a count is 1 or more", e.Count)
	case e.Kind == "" && e.File == "":
		return errors.New("neither an object (kind, namespace, name) nor a file")
	}
	return nil
}

func isFingerprint(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

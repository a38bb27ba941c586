// Package livestream is the stream `meshbatch-facts --list` writes and
// `meshbatch lint --cluster` reads: a cluster's facts and objects, sent
// page by page as the API server returns them, so that neither program
// holds more than a page of raw objects.
//
// The stream is a sequence of frames, each a header line "TYPE LENGTH\n"
// followed by LENGTH bytes and a line feed, after a first line naming the
// format ("meshbatch-live 1"). The context and facts frames come first,
// then pages, notes and list errors in any order, and an end frame last: a
// stream cut short (the lister died) has no end frame, and the reader says
// so instead of linting part of a cluster as if it were all of it.
//
// The package has no dependency on client-go: meshbatch links it
// (TestNoClientGo), and so does the lister.
package livestream

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Magic is the stream's first line.
const Magic = "meshbatch-live 1"

// Frame types.
const (
	TypeContext = "context" // the kubeconfig context's name
	TypeFacts   = "facts"   // the cluster's facts file (config.FactsFile YAML)
	TypePage    = "page"    // YAML documents, one object each, "---" between them
	TypeNote    = "note"    // something left out, for stderr
	TypeError   = "error"   // a list that failed: the lint is incomplete
	TypeEnd     = "end"
)

// maxFrame bounds one frame: a page of 500 objects of a few KiB each is
// far below it, and a corrupt length never allocates gigabytes.
const maxFrame = 256 << 20

// Writer writes a stream. Its methods return the first write error
// again once one happened.
type Writer struct {
	w       *bufio.Writer
	err     error
	started bool
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriterSize(w, 64<<10)} }

// Frame writes one frame and flushes it: the reader lints a page while
// the next one is listed.
func (s *Writer) Frame(typ string, data []byte) error {
	if s.err != nil {
		return s.err
	}
	if !s.started {
		s.started = true
		s.w.WriteString(Magic + "\n")
	}
	fmt.Fprintf(s.w, "%s %d\n", typ, len(data))
	s.w.Write(data)
	s.w.WriteByte('\n')
	s.err = s.w.Flush()
	return s.err
}

// Page writes the documents as one page frame. A document of compact
// JSON, as the API server returns it, gets a space after each colon (see
// appendSpaced).
func (s *Writer) Page(docs [][]byte) error {
	n := 0
	for _, d := range docs {
		n += len(d) + len(d)/8 + 5
	}
	page := make([]byte, 0, n)
	for _, d := range docs {
		page = append(page, "---\n"...)
		page = appendSpaced(page, d)
		if len(d) == 0 || d[len(d)-1] != '\n' {
			page = append(page, '\n')
		}
	}
	return s.Frame(TypePage, page)
}

// appendSpaced appends the JSON document js with a space after every
// colon outside strings: the same JSON, and a one-line YAML flow mapping
// that meshbatch's fast YAML path reads (it wants "key: value", as YAML
// does after a plain key), where compact JSON would take the much slower
// general parser. Anything that is not a JSON object is appended as it
// is.
func appendSpaced(dst, js []byte) []byte {
	if len(js) == 0 || js[0] != '{' {
		return append(dst, js...)
	}
	inString, escaped := false, false
	for _, c := range js {
		dst = append(dst, c)
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && c == ':':
			dst = append(dst, ' ')
		}
	}
	return dst
}

// Reader reads a stream.
type Reader struct {
	r       *bufio.Reader
	started bool
	ended   bool
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

// Next reads the next frame. Its data is read into buf's storage when
// large enough, so that a caller can recycle page buffers. It returns
// io.EOF after the end frame, and io.ErrUnexpectedEOF when the stream
// stops before it.
func (s *Reader) Next(buf []byte) (typ string, data []byte, err error) {
	if s.ended {
		return "", nil, io.EOF
	}
	if !s.started {
		line, err := s.line()
		if err != nil {
			return "", nil, err
		}
		if line != Magic {
			return "", nil, fmt.Errorf("not a meshbatch-facts --list stream (it starts with %q); is meshbatch-facts the same version as meshbatch?", clip(line))
		}
		s.started = true
	}
	line, err := s.line()
	if err != nil {
		return "", nil, err
	}
	typ, length, ok := strings.Cut(line, " ")
	n, err := strconv.Atoi(length)
	if !ok || err != nil || n < 0 || n > maxFrame {
		return "", nil, fmt.Errorf("a corrupt frame header %q in the cluster stream", clip(line))
	}
	data = slices.Grow(buf[:0], n+1)[:n+1]
	if _, err := io.ReadFull(s.r, data); err != nil {
		return "", nil, unexpected(err)
	}
	if data[n] != '\n' {
		return "", nil, fmt.Errorf("a corrupt %s frame in the cluster stream: it does not end where its header says", typ)
	}
	if typ == TypeEnd {
		s.ended = true
		return "", nil, io.EOF
	}
	return typ, data[:n], nil
}

func (s *Reader) line() (string, error) {
	line, err := s.r.ReadString('\n')
	if err != nil {
		return "", unexpected(err)
	}
	return strings.TrimSuffix(line, "\n"), nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

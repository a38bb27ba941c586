package livestream

import (
	"errors"
	"fmt"
	"io"
)

// Source reads a stream for lint: the context and facts up front (Open),
// then the pages (Next, which fits lint.LiveSource), passing notes to a
// callback with the context's name and keeping list errors, which make
// the lint incomplete.
type Source struct {
	Context string
	Facts   []byte // the facts file, as meshbatch facts prints it

	r       *Reader
	note    func(context, note string)
	errs    []error
	pending []byte // the first page, read by Open
	done    bool
}

// Open reads the stream up to its first page (or its end): the context
// and the facts must come first.
func Open(r io.Reader, note func(context, note string)) (*Source, error) {
	s := &Source{r: NewReader(r), note: note}
	for {
		typ, data, err := s.r.Next(nil)
		if errors.Is(err, io.EOF) {
			s.done = true
			break
		}
		if err != nil {
			return nil, err
		}
		if typ == TypeContext {
			s.Context = string(data)
			continue
		}
		if typ == TypeFacts {
			s.Facts = data
			continue
		}
		if typ == TypePage {
			s.pending = data
			break
		}
		s.other(typ, data)
	}
	if s.Context == "" || s.Facts == nil {
		return nil, errors.New("the cluster stream does not start with its context and facts")
	}
	return s, nil
}

// other handles a note or an error frame; a frame of a type this
// version does not know is an error too, so that nothing is skipped
// unsaid.
func (s *Source) other(typ string, data []byte) {
	switch typ {
	case TypeNote:
		if s.note != nil {
			s.note(s.Context, string(data))
		}
	case TypeError:
		s.errs = append(s.errs, fmt.Errorf("cluster %s: %s", s.Context, data))
	default:
		s.errs = append(s.errs, fmt.Errorf("cluster %s: the stream holds a %q frame, which this meshbatch does not read; is meshbatch-facts the same version?", s.Context, typ))
	}
}

// Next returns the next page, read into buf's storage when large enough
// (the first page, which Open read, in its own); io.EOF after the last.
// An error means the stream broke off: what was read before is all there
// is.
func (s *Source) Next(buf []byte) ([]byte, error) {
	if s.pending != nil {
		// Handed over, not copied into buf: a copy would be a second
		// page of raw objects held while the caller reads the first.
		page := s.pending
		s.pending = nil
		return page, nil
	}
	for !s.done {
		typ, data, err := s.r.Next(buf)
		if errors.Is(err, io.EOF) {
			s.done = true
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			s.done = true
			return nil, errors.New("the listing stopped before its end (meshbatch-facts failed: see its message above)")
		}
		if err != nil {
			s.done = true
			return nil, err
		}
		if typ == TypePage {
			return data, nil
		}
		s.other(typ, data)
	}
	return nil, io.EOF
}

// Errors are the lists that failed, as the stream said: the cluster was
// linted without them.
func (s *Source) Errors() []error { return s.errs }

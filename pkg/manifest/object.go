package manifest

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
)

// Object is one Kubernetes object read from a manifest.
type Object struct {
	File       string // the path as given, or "<stdin>"
	Doc        int    // 0-based index of the YAML document in the file
	Item       int    // index in a kind: List, or -1
	APIVersion string
	Kind       string
	Namespace  string // as written; "" when the manifest names none
	// Name is metadata.name; for an object the API server names from
	// metadata.generateName, that prefix followed by "*", which no name
	// has; "" when the manifest gives neither (see Ref).
	Name   string
	Labels map[string]string
	// Annotations are kept for every kind: suppression annotations work on
	// objects meshbatch does not otherwise read. Both maps are nil while
	// the object is released (ReleaseTyped).
	Annotations map[string]string
	// Typed is the strictly decoded object (*batchv1.Job,
	// *networkingv1.DestinationRule, ...), or nil for kinds no rule reads.
	Typed any
	// Summary is what the rules look up about the object once Typed is
	// released (set by the rules package, see rules.Summarize); ReleaseTyped
	// keeps it.
	Summary any

	// The fields below are sized to keep an Object in the size class
	// TestObjectSize checks: there is one for every object of the input.
	doc      []byte   // the document's bytes; nil once released
	docOff   int64    // byte offset of doc in File, to read it back
	docSum   uint64   // hash of doc, to notice a file changed since
	pos      *posTree // built lazily by Pos, for objects with findings
	docLine  int32    // line of doc's first byte in the file
	docLen   int32    // len(doc), kept when doc is released
	released bool     // Typed was dropped by ReleaseTyped
	partial  bool     // Typed was decoded in part (ReadDocumentPartly)
	invalid  bool     // some fields did not decode and were left out (PartlyInvalid)
	stored   bool     // read as an API server stored it (ReadStoredDocument)
	keyLine  int32    // line of the object's first key; 0: docLine
}

// PartlyInvalid reports whether some fields of the object did not decode
// strictly: each is a problem (Problem.LeftOut), and Typed holds the rest,
// which is linted as the object.
func (o *Object) PartlyInvalid() bool { return o.invalid }

// ReleaseTyped drops the decoded object to save memory; Redecode decodes
// it again from the document. Until RestoreTyped, Typed is nil but the
// object still counts as decoded (Released).
func (o *Object) ReleaseTyped() {
	if o.Typed != nil {
		// Labels and Annotations are the typed object's maps: they go too.
		o.Typed, o.released, o.Labels, o.Annotations = nil, true, nil, nil
	}
}

// ReleaseTypedKeeping is ReleaseTyped for an object whose Summary, and
// perhaps its labels or annotations, are all that is read of it: those
// maps stay.
func (o *Object) ReleaseTypedKeeping(labels, annotations bool) {
	l, a := o.Labels, o.Annotations
	o.ReleaseTyped()
	if labels {
		o.Labels = l
	}
	if annotations {
		o.Annotations = a
	}
}

// Released reports whether Typed was dropped by ReleaseTyped.
func (o *Object) Released() bool { return o.released }

// DocumentSpan returns the byte range of their file that holds the
// released documents of objs, which are all of one file, for Redecode and
// PositionsIn, and how many bytes those documents have: end is 0 when none
// was released.
func DocumentSpan(objs []*Object) (off, end, docBytes int64) {
	off = -1
	for _, o := range objs {
		if o.doc != nil || o.docLen == 0 {
			continue
		}
		if off < 0 || o.docOff < off {
			off = o.docOff
		}
		end = max(end, o.docOff+int64(o.docLen))
		docBytes += int64(o.docLen)
	}
	return max(off, 0), end, docBytes
}

// documentIn returns the object's document: its own bytes, or the part of
// span (File's bytes from spanOff on) that holds it, normalised in place
// as the loader did; nil when span does not hold it or it changed.
func (o *Object) documentIn(span []byte, spanOff int64) []byte {
	if o.doc != nil {
		return o.doc
	}
	start, end := o.docOff-spanOff, o.docOff-spanOff+int64(o.docLen)
	if start < 0 || end > int64(len(span)) {
		return nil
	}
	doc := NormalizeLineBreaks(span[start:end])
	if maphash.Bytes(docSeed, doc) != o.docSum {
		return nil
	}
	return doc
}

// RestoreTyped sets Typed again, as Redecode returned it.
func (o *Object) RestoreTyped(typed any) {
	o.Typed, o.released, o.partial = typed, false, false
	if m, ok := typed.(metaMaps); ok {
		o.Labels, o.Annotations = nilIfEmpty(m.GetLabels()), nilIfEmpty(m.GetAnnotations())
	}
}

// Redecode decodes the object's document again, with the limits it was
// first read with. A released document is taken from span, the bytes of
// File from offset spanOff on as the caller read them (one read for the
// objects of a part of a file, see DocumentSpan; they may be modified in
// place), or read back from File when span is nil. It fails when the
// document cannot be read back or changed since it was read. When some
// fields of the object do not decode, it marks the object PartlyInvalid
// and returns their problems with the rest, which an object decoded in
// part (Partial) did not check before.
func (o *Object) Redecode(span []byte, spanOff int64, lim Limits) (any, []Problem, error) {
	var doc []byte
	if span == nil {
		doc = o.document()
	} else {
		doc = o.documentIn(span, spanOff)
	}
	if doc == nil {
		return nil, nil, fmt.Errorf("%s: %s changed or went away while it was being linted; run lint again", o.File, o.label())
	}
	c := Chunk{Data: doc, StartLine: int(o.docLine), Offset: int(o.docOff)}
	// As ReadDocument or ReadStoredDocument would read it (a stored
	// object's unknown fields were listed when it was read).
	r := docReader{file: o.File, doc: o.Doc, chunk: c, lim: lim.withDefaults(), stored: o.stored, slowOnly: o.invalid}
	objs, probs := r.read()
	for _, other := range objs {
		if other.Item != o.Item || other.Kind != o.Kind || other.Typed == nil {
			continue
		}
		if !other.invalid {
			return other.Typed, nil, nil
		}
		o.invalid = true
		var own []Problem
		for _, p := range probs {
			if p.LeftOut && p.Kind == o.Kind && p.Name == o.Name && p.Namespace == o.Namespace {
				own = append(own, p)
			}
		}
		return other.Typed, own, nil
	}
	if len(probs) > 0 {
		return nil, nil, probs[0]
	}
	return nil, nil, fmt.Errorf("%s: %s could not be decoded again", o.File, o.label())
}

// docSeed hashes released documents; the hashes never leave the process.
var docSeed = maphash.MakeSeed()

// ReleaseDocument drops the object's reference to its document's bytes,
// which otherwise keeps the whole file in memory until the object goes:
// on a large input the files weigh as much as the decoded objects. Pos then
// reads the document back from File. Call it only when File is a regular
// file that stays in place during the run; if the document changed in the
// meantime, Pos falls back to the document's first line. Once it returns,
// the object holds none of the bytes it was read from, which the caller
// may reuse.
func (o *Object) ReleaseDocument() {
	if o.doc == nil {
		return
	}
	if o.pos != nil { // its positions are known: it keeps a copy
		o.doc = bytes.Clone(o.doc)
		return
	}
	o.docSum = maphash.Bytes(docSeed, o.doc)
	o.doc = nil
}

// document returns the object's document bytes, reading them back from
// File if they were released; nil if that fails or they changed.
func (o *Object) document() []byte {
	doc, _ := o.readDocument(nil)
	return doc
}

// readDocument is document, reading into buf's storage when it is large
// enough; read reports whether the bytes were read back (and so are buf's).
func (o *Object) readDocument(buf []byte) (doc []byte, read bool) {
	if o.doc != nil || o.docLen == 0 {
		return o.doc, false
	}
	f, err := os.Open(o.File)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	buf = slices.Grow(buf[:0], int(o.docLen))[:o.docLen]
	if _, err := f.ReadAt(buf, o.docOff); err != nil && err != io.EOF {
		return nil, false
	}
	NormalizeLineBreaks(buf) // as the loader did (a document ends with a line feed or the file)
	if maphash.Bytes(docSeed, buf) != o.docSum {
		return nil, false
	}
	return buf, true
}

// Line is the line of File the object starts on: that of its first key,
// past the comments (a "# generated by" header, "# Source:" lines of helm
// template) and blank lines before it, or of its item in a List.
func (o *Object) Line() int {
	if o.keyLine > 0 {
		return int(o.keyLine)
	}
	return int(o.docLine)
}

// Ref names the object the way users write it: "Job batch/etl", "Job
// batch/etl-*" for one named from generateName etl-, and "unnamed Job at
// deploy/etl.yaml:12" for one with neither name nor generateName.
func (o *Object) Ref() string {
	switch {
	case o.Name == "":
		return "unnamed " + o.Kind + " at " + o.File + ":" + strconv.Itoa(o.Line())
	case o.Namespace == "":
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// label names the object in the messages of its own problems, which give
// its file and line: "Job etl", "unnamed Job".
func (o *Object) label() string {
	if o.Name == "" {
		return "unnamed " + o.Kind
	}
	return o.Kind + " " + o.Name
}

// Pos returns the file position of the field at path (see the path syntax
// in path.go), or of its nearest existing ancestor. It parses the object's
// document again on first use (reading it back from File if it was
// released), so it is meant for findings, not hot loops.
// It is not safe for concurrent use on the same object.
func (o *Object) Pos(path string) Pos {
	if o.pos == nil {
		doc := o.document()
		if o.pos = fastPosTree(doc); o.pos == nil {
			n, err := ParseNode(doc)
			if err != nil || n == nil {
				return Pos{Line: int(o.docLine), Col: 1}
			}
			o.pos = newPosTree(n)
		}
	}
	return o.filePos(o.pos.locate(o.fullPath(path)))
}

// Positions returns Pos(path) for each of paths, with one parse for all of
// them. When the fast path reads the document, it keeps no tree on the
// object and reads the document back into a pooled buffer: on a large input
// most objects have findings, and a tree and a buffer for each would be
// allocated at the end of a run, where the heap peaks. It is not safe for
// concurrent use on the same object.
func (o *Object) Positions(paths []string) []Pos { return o.PositionsIn(nil, 0, paths) }

// PositionsIn is Positions for a caller that read the part of File that
// holds the document (span, from offset spanOff on; see DocumentSpan), to
// read a file once for all its objects with findings. A nil span reads the
// document back as Positions does.
func (o *Object) PositionsIn(span []byte, spanOff int64, paths []string) []Pos {
	out := make([]Pos, len(paths))
	if o.pos == nil {
		var doc []byte
		if span != nil {
			doc = o.documentIn(span, spanOff)
		} else {
			bp := docBufs.Get().(*[]byte)
			defer docBufs.Put(bp)
			var read bool
			if doc, read = o.readDocument(*bp); read {
				*bp = doc[:0]
			}
		}
		full := make([]string, len(paths))
		for i, path := range paths {
			full[i] = o.fullPath(path)
		}
		if fastPositions(doc, full, out) {
			for i := range out {
				out[i] = o.filePos(out[i])
			}
			return out
		}
	}
	for i, path := range paths { // what the fast path declines: as Pos does
		out[i] = o.Pos(path)
	}
	return out
}

// docBufs recycles the documents Positions reads back from files.
var docBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// fullPath is path from the document's root: list items are inside it.
func (o *Object) fullPath(path string) string {
	if o.Item >= 0 {
		return "items[" + strconv.Itoa(o.Item) + "]." + path
	}
	return path
}

// filePos turns a position in the document into one in the file.
func (o *Object) filePos(p Pos) Pos {
	p.Line += int(o.docLine) - 1
	return p
}

// Path joins field path segments: Path("spec", "containers", 0, "name").
// Strings are field names (quoted when needed), ints are list indexes.
func Path(parts ...any) string {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case int:
			b = fmt.Appendf(b, "[%d]", v)
		case string:
			seg := Key(v)
			if len(b) == 0 && seg[0] == '.' {
				seg = seg[1:]
			}
			b = append(b, seg...)
		default:
			panic(fmt.Sprintf("manifest.Path: unsupported segment %T", p))
		}
	}
	return string(b)
}

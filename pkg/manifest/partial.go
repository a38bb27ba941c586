package manifest

import "reflect"

// Fields lists, for some struct types, the JSON fields of each to decode.
// A partial decode (ReadDocumentPartly) skips the other known fields of
// those types and decodes every other type whole; unknown fields are still
// refused. What it skips it does not check either: an object decoded
// partly may turn out not to decode strictly, which Redecode tells.
type Fields map[reflect.Type]map[string]bool

// ReadDocumentPartly is ReadDocument, decoding the objects of the kinds
// whose type fields lists only in part: their Typed holds just those
// fields, and they are Partial until restored whole (RestoreTyped). A
// document the fast path declines is decoded whole, as ReadDocument does.
func ReadDocumentPartly(file string, doc int, c Chunk, lim Limits, fields Fields) ([]*Object, []Problem) {
	return readDocument(file, doc, c, lim, fields)
}

// Partial reports whether Typed holds only part of the object (see
// ReadDocumentPartly). The object must be released before anything reads
// Typed, and decoded again to be read whole.
func (o *Object) Partial() bool { return o.partial }

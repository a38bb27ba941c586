package manifest

import "bytes"

// Chunk is one YAML document of a file.
type Chunk struct {
	Data      []byte // the document's bytes, without its "---" line
	StartLine int    // 1-based line in the file of Data's first byte
	Offset    int    // byte offset in the file of Data's first byte
}

// utf8BOM is stripped from the start of a file; yaml.v3 rejects it mid-stream.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// SplitDocuments cuts a multi-document YAML stream at its "---" marker lines.
// Documents that hold only comments and blank lines are dropped, but they
// still count towards the line numbers of the documents after them.
func SplitDocuments(data []byte) []Chunk {
	bom := 0
	if bytes.HasPrefix(data, utf8BOM) {
		data, bom = data[len(utf8BOM):], len(utf8BOM)
	}
	var chunks []Chunk
	start, startLine, line := 0, 1, 1
	flush := func(end int) {
		if doc := data[start:end]; !blankDocument(doc) {
			chunks = append(chunks, Chunk{Data: doc, StartLine: startLine, Offset: bom + start})
		}
	}
	for pos := 0; pos < len(data); {
		nl := bytes.IndexByte(data[pos:], '\n')
		end := len(data)
		if nl >= 0 {
			end = pos + nl + 1
		}
		if isMarker(data[pos:end]) {
			flush(pos)
			start, startLine = end, line+1
			// "--- {a: 1}": the rest of the marker line belongs to the document.
			if rest := bytes.TrimSpace(data[pos+3 : end]); len(rest) > 0 && rest[0] != '#' && data[pos] == '-' {
				start, startLine = pos+3, line
			}
		}
		pos = end
		line++
	}
	flush(len(data))
	return chunks
}

// isMarker reports whether a line starts a new document ("---" or "..."
// alone or followed by a space, tab or comment).
func isMarker(line []byte) bool {
	line = bytes.TrimRight(line, "\r\n")
	if !bytes.HasPrefix(line, []byte("---")) && !bytes.HasPrefix(line, []byte("...")) {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t'
}

// blankDocument reports whether a document has nothing but whitespace and
// comments.
func blankDocument(doc []byte) bool {
	for len(doc) > 0 {
		nl := bytes.IndexByte(doc, '\n')
		line := doc
		if nl >= 0 {
			line, doc = doc[:nl], doc[nl+1:]
		} else {
			doc = nil
		}
		line = bytes.TrimLeft(line, " \t\r")
		if len(line) > 0 && line[0] != '#' {
			return false
		}
	}
	return true
}

// leadingLines counts the lines at the start of a document that hold
// nothing but whitespace, comments or a directive ("%YAML 1.2"): the
// object starts on the line after them.
func leadingLines(doc []byte) int {
	n := 0
	for len(doc) > 0 {
		line := doc
		if nl := bytes.IndexByte(doc, '\n'); nl >= 0 {
			line, doc = doc[:nl], doc[nl+1:]
		} else {
			doc = nil
		}
		line = bytes.TrimLeft(line, " \t\r")
		if len(line) > 0 && line[0] != '#' && line[0] != '%' {
			return n
		}
		n++
	}
	return 0
}

package generate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	sigsjson "sigs.k8s.io/json"

	"github.com/meshbatch/meshbatch/internal/suggest"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// maxSpecBytes bounds the file read: a job spec is a few dozen lines.
const maxSpecBytes = 1 << 20

// specLimits bound the YAML → JSON conversion (aliases, nesting).
var specLimits = manifest.Limits{MaxFileBytes: maxSpecBytes, MaxDepth: 32, MaxNodes: 100_000}

// Problem is one thing wrong with a job spec, at a position in its file.
type Problem struct {
	File string
	Pos  manifest.Pos
	Msg  string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Pos.Line, p.Pos.Col, p.Msg)
}

// SpecError lists everything found wrong with a job spec, in file order.
// Nothing is generated from a spec with problems.
type SpecError struct {
	File     string
	Problems []Problem
}

func (e *SpecError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads a job spec strictly and validates it. file names the spec in
// messages and in the generated header. Errors are *SpecError.
func Load(file string, data []byte) (*Job, error) {
	job, _, err := load(file, data, nil)
	return job, err
}

// load is Load with the cluster facts of a facts file, which fill the
// spec.mesh fields the spec leaves out; it returns what they filled.
func load(file string, data []byte, facts *mesh.Facts) (*Job, []string, error) {
	spec, loc, err := decode(file, data)
	if err != nil {
		return nil, nil, err
	}
	var filled []string
	if facts != nil {
		filled = fillFromFacts(spec, *facts)
	}
	job, err := validate(file, spec, loc)
	if err != nil {
		return nil, nil, err
	}
	if probs := selfCheck(loc, job); len(probs) > 0 {
		return nil, nil, newSpecError(file, probs)
	}
	return job, filled, nil
}

// locator turns field paths of the spec into file positions.
type locator struct {
	root       *yaml.Node
	lineOffset int // line of the document's first byte in the file, minus 1
}

// text returns a scalar's text as written in the file, "" if path does
// not lead to a scalar.
func (l locator) text(path string) string {
	n := l.root
	for _, part := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if n = mappingValue(n, key); n == nil {
			return ""
		}
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(idx)
			if err != nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return ""
			}
			n = n.Content[i]
			rest = strings.TrimPrefix(after, "[")
		}
	}
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func (l locator) pos(path string) manifest.Pos {
	if l.root == nil {
		return manifest.Pos{Line: 1 + l.lineOffset, Col: 1}
	}
	p := manifest.Locate(l.root, path)
	p.Line += l.lineOffset
	return p
}

// decode parses the YAML and decodes it strictly into a BatchJob.
func decode(file string, data []byte) (*BatchJob, locator, error) {
	fail := func(pos manifest.Pos, format string, args ...any) (*BatchJob, locator, error) {
		return nil, locator{}, &SpecError{File: file, Problems: []Problem{{File: file, Pos: pos, Msg: fmt.Sprintf(format, args...)}}}
	}
	start := manifest.Pos{Line: 1, Col: 1}
	data = manifest.NormalizeLineBreaks(bytes.Clone(data)) // lone CRs are line breaks to YAML
	if len(data) > maxSpecBytes {
		return fail(start, "the file is %d bytes; a job spec is at most %d", len(data), maxSpecBytes)
	}
	chunks := manifest.SplitDocuments(data)
	if len(chunks) == 0 {
		return fail(start, "the file is empty: it needs a %s (apiVersion: %s)", SpecKind, SpecAPIVersion)
	}
	chunk := chunks[0]
	off := chunk.StartLine - 1
	posErr := func(err error) (*BatchJob, locator, error) {
		var pe *manifest.PosError
		if errors.As(err, &pe) {
			return fail(manifest.Pos{Line: pe.Pos.Line + off, Col: pe.Pos.Col}, "%s", pe.MessageAt(chunk.StartLine))
		}
		return fail(start, "%v", err)
	}
	root, err := manifest.ParseNode(chunk.Data)
	isMapping := err == nil && root != nil && root.Kind == yaml.MappingNode
	if isMapping {
		if msg, pos := notASpec(root); msg != "" {
			return fail(manifest.Pos{Line: pos.Line + off, Col: pos.Col}, "%s", msg)
		}
	}
	if len(chunks) > 1 {
		return fail(manifest.Pos{Line: chunks[1].StartLine, Col: 1}, "a spec file holds one %s; put the second job in a file of its own", SpecKind)
	}
	if err != nil {
		return posErr(err)
	}
	if !isMapping {
		return fail(manifest.Pos{Line: chunk.StartLine, Col: 1}, "a job spec is a mapping with apiVersion, kind, metadata and spec")
	}
	loc := locator{root: root, lineOffset: off}
	js, err := manifest.YAMLToJSON(chunk.Data, specLimits)
	if err != nil {
		return posErr(err)
	}
	spec, probs := decodeStrict(file, loc, js)
	if len(probs) > 0 {
		return nil, loc, newSpecError(file, probs)
	}
	return spec, loc, nil
}

// maxDecodeProblems bounds the values of the wrong type decodeStrict
// reports, and so how often it decodes again.
const maxDecodeProblems = 50

// decodeStrict decodes the spec's JSON strictly and reports every value of
// the wrong type and every unknown or duplicate field. The decoder stops
// reporting at the first value of the wrong type (and then reports no
// unknown field at all), so each such value is reported, replaced by null
// (which leaves its field unset) and the text decoded again, until it
// decodes.
func decodeStrict(file string, loc locator, js []byte) (*BatchJob, []Problem) {
	var probs []Problem
	for range maxDecodeProblems {
		spec := &BatchJob{}
		strict, err := sigsjson.UnmarshalStrict(js, spec, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
		if err == nil {
			for _, se := range strict {
				probs = append(probs, strictProblem(file, loc, se))
			}
			return spec, probs
		}
		probs = append(probs, typeProblem(file, loc, js, err))
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return nil, probs // not JSON: nothing to decode again
		}
		_, start, end, ok := manifest.JSONValueSpan(js, te.Offset)
		if !ok {
			return nil, probs
		}
		js = slices.Concat(js[:start:start], []byte("null"), js[end:])
	}
	return nil, probs
}

// notASpec explains a document that is plainly some other manifest (a
// Kubernetes Job given to generate instead of lint, say), before its
// fields are reported one by one as unknown; "" otherwise, also for a
// misspelt spec kind, which validation explains better. root is the
// document's top-level mapping; the position is that of its kind key.
func notASpec(root *yaml.Node) (string, manifest.Pos) {
	var apiVersion, kind string
	var at manifest.Pos
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		switch k.Value {
		case "apiVersion":
			apiVersion = v.Value
		case "kind":
			kind, at = v.Value, manifest.Pos{Line: k.Line, Col: k.Column}
		}
	}
	if apiVersion == "" || kind == "" || strings.HasPrefix(apiVersion, "meshbatch.dev/") || strings.EqualFold(kind, SpecKind) {
		return "", manifest.Pos{}
	}
	return fmt.Sprintf("this is a %s (%s), not a job spec: generate reads apiVersion: %s, kind: %s (docs/jobspec.md); "+
		"to check existing manifests, run meshbatch lint", kind, apiVersion, SpecAPIVersion, SpecKind), at
}

var strictRE = regexp.MustCompile(`^(?:json: )?(unknown|duplicate) field "([^"]*)"`)

// strictProblem explains an unknown field, suggesting the field meant.
func strictProblem(file string, loc locator, err error) Problem {
	m := strictRE.FindStringSubmatch(err.Error())
	if m == nil {
		return Problem{File: file, Pos: loc.pos(""), Msg: err.Error()}
	}
	path := m[2]
	msg := fmt.Sprintf("%s field %q", m[1], path)
	if m[1] == "unknown" {
		parent, name := manifest.SplitFieldPath(path)
		if known := manifest.JSONFieldsAt(reflect.TypeFor[BatchJob](), parent); len(known) > 0 {
			if s := suggest.Closest(name, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += fmt.Sprintf(" (%s takes: %s)", orTop(parent), strings.Join(known, ", "))
			}
		}
	}
	return Problem{File: file, Pos: loc.pos(path), Msg: msg}
}

func orTop(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// typeProblem explains a value of the wrong type, at its position: the
// decoder gives the path without list indexes, so the path is recovered
// from the byte offset it reports.
func typeProblem(file string, loc locator, js []byte, err error) Problem {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Problem{File: file, Pos: loc.pos(""), Msg: "not valid JSON/YAML: " + se.Error()}
		}
		return Problem{File: file, Pos: loc.pos(""), Msg: strings.TrimPrefix(err.Error(), "json: ")}
	}
	path, literal := manifest.JSONValueAt(js, te.Offset)
	if path == "" {
		path = te.Field
	}
	if written := loc.text(path); written != "" {
		literal = written // as the user wrote it: 1.30, not JSON's 1.3
	}
	// An env value may be a credential: name the field, never the value.
	hideValue := envValueRE.MatchString(path)
	want := kindWords(te.Type)
	found := te.Value
	var msg string
	switch {
	case strings.HasSuffix(path, "Version") && strings.HasPrefix(found, "number"):
		msg = fmt.Sprintf("%s: write the version as a string, like %q: YAML reads an unquoted %s as a number", path, literal, literal)
	case strings.HasPrefix(found, "number") && want == "an integer":
		if _, perr := strconv.ParseInt(literal, 10, 64); perr == nil {
			msg = fmt.Sprintf("%s: %s is out of range", path, literal)
		} else {
			msg = fmt.Sprintf("%s: expected an integer, found %s", path, literal)
		}
	default:
		switch { // as a YAML author calls them
		case strings.HasPrefix(found, "number"):
			found = "number"
		case found == "object":
			found = "mapping"
		case found == "array":
			found = "list"
		}
		msg = fmt.Sprintf("%s: expected %s, found %s %s", path, want, article(found), found)
		switch {
		case want == "a string" && (found == "number" || found == "bool") && hideValue:
			msg += " (quote it)"
		case want == "a string" && (found == "number" || found == "bool"):
			msg += fmt.Sprintf(" (quote it: %q)", literal)
		case want == "an integer" && found == "string":
			if _, perr := strconv.ParseInt(literal, 10, 32); perr == nil {
				msg += fmt.Sprintf(" (write it without quotes: %s)", literal)
			}
		}
	}
	return Problem{File: file, Pos: loc.pos(path), Msg: msg}
}

// envValueRE matches the field path of an env value in a job spec.
var envValueRE = regexp.MustCompile(`^spec\.env\[\d+\]\.value$`)

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// kindWords names a Go type the way a YAML author thinks of it.
func kindWords(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

// jsonName is a struct field's name in JSON (and so in YAML), "" when
// it has none.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" {
		return ""
	}
	return name
}

// newSpecError sorts problems into file order.
func newSpecError(file string, probs []Problem) *SpecError {
	slices.SortStableFunc(probs, func(a, b Problem) int {
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
	return &SpecError{File: file, Problems: probs}
}

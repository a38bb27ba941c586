package manifest

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// Problem is a document that could not be read as a Kubernetes object.
// The linter reports it as an invalid-input finding.
type Problem struct {
	File string
	Doc  int
	Pos  Pos
	Msg  string
	// What is known of the object, if anything: its kind and name.
	APIVersion, Kind, Namespace, Name string
	// NotManifest is set when the document lacks apiVersion or kind: it
	// may be other YAML (a CI workflow, Helm values) rather than a broken
	// manifest.
	NotManifest bool
	// Limit is the limit the file or document hit, if that is the problem
	// (see Limits.Hints).
	Limit Limit
	// SinceKubernetes is the minor from which the API server refuses what
	// the problem names (a TZ in a CronJob's schedule: 29); an older one
	// takes it with a warning. 0: every version refuses it.
	SinceKubernetes int
	// LeftOut is set when the problem is a field the object was linted
	// without: the rest of it decoded (Object.PartlyInvalid).
	LeftOut bool
	// Fix, when set, replaces the invalid-input rule's remediation: what
	// to do about this problem in particular (a job spec's, say).
	Fix string
}

func (p Problem) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Pos.Line, p.Pos.Col, p.Msg)
}

// ReadFile reads every document of a file. Problems do not stop it: each
// document stands on its own.
func ReadFile(file string, data []byte, lim Limits) ([]*Object, []Problem) {
	lim = lim.withDefaults()
	if hasLoneCR(data) {
		data = NormalizeLineBreaks(bytes.Clone(data))
	}
	if int64(len(data)) > lim.MaxFileBytes {
		return nil, []Problem{{File: file, Pos: Pos{Line: 1, Col: 1}, Limit: LimitFileSize,
			Msg: fmt.Sprintf("file is %d bytes, over the %d-byte limit%s", len(data), lim.MaxFileBytes,
				hintf("; raise it with %s if this file is a real manifest", lim.Hints[LimitFileSize]))}}
	}
	var objs []*Object
	var probs []Problem
	for i, c := range SplitDocuments(data) {
		o, p := ReadDocument(file, i, c, lim)
		objs = append(objs, o...)
		probs = append(probs, p...)
	}
	return objs, probs
}

// ReadDocument reads one YAML document: one object, or the items of a
// kind: List.
func ReadDocument(file string, doc int, c Chunk, lim Limits) ([]*Object, []Problem) {
	return readDocument(file, doc, c, lim, nil)
}

// UnknownField is a field of a stored object that this meshbatch's types
// do not have (a newer cluster's), which ReadStoredDocument dropped.
type UnknownField struct {
	Kind string
	Path string // its field path, list indexes written [*]: spec.containers[*].futureField
}

// ReadStoredDocument is ReadDocument for objects an API server stored
// (a live cluster's): it validated them, so a field these types do not
// know is a newer server's, not a mistake. Such fields are dropped and
// listed, each once, instead of being problems; the objects are whole
// (not PartlyInvalid), and Redecode reads them the same way. fields is
// as for ReadDocumentPartly (nil decodes whole).
func ReadStoredDocument(file string, doc int, c Chunk, lim Limits, fields Fields) ([]*Object, []Problem, []UnknownField) {
	r := docReader{file: file, doc: doc, chunk: c, lim: lim.withDefaults(), fields: fields, stored: true}
	objs, probs := r.read()
	return objs, probs, r.unknown
}

func readDocument(file string, doc int, c Chunk, lim Limits, fields Fields) ([]*Object, []Problem) {
	r := docReader{file: file, doc: doc, chunk: c, lim: lim.withDefaults(), fields: fields}
	return r.read()
}

func (r *docReader) read() ([]*Object, []Problem) {
	c, lim := r.chunk, r.lim
	if pe := tooDense(c.Data, lim); pe != nil {
		r.posProblem(pe, nil)
		return nil, r.probs
	}
	if !r.slowOnly && r.fast() {
		r.unnamed(r.objs[0], nil)
		return r.objs, r.probs
	}
	return r.slow()
}

// slow reads the document through a yaml.v3 node tree: every document the
// fast path declines, and every problem.
func (r *docReader) slow() ([]*Object, []Problem) {
	root, err := ParseNode(r.chunk.Data)
	if err != nil {
		r.problem(err.(*PosError).Pos, err.(*PosError).Msg, nil)
		return nil, r.probs
	}
	if root == nil {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		r.problem(Pos{Line: root.Line, Col: root.Column},
			fmt.Sprintf("a manifest must be a mapping with apiVersion and kind, not a %s", kindName(root.Kind)), nil)
		return nil, r.probs
	}
	apiVersion, kindStr, ok := r.typeMeta(root)
	if !ok {
		return nil, r.probs
	}
	if kindStr == "List" || (strings.HasSuffix(kindStr, "List") && child(root, "items") != nil) {
		items := child(root, "items")
		if items == nil || items.Kind != yaml.SequenceNode {
			r.problem(Pos{Line: root.Line, Col: root.Column}, "a List needs an items list", nil)
			return nil, r.probs
		}
		for i, item := range items.Content {
			if item.Kind != yaml.MappingNode {
				r.problem(Pos{Line: item.Line, Col: item.Column}, fmt.Sprintf("List item %d is a %s, not an object", i, kindName(item.Kind)), nil)
				continue
			}
			av, k, ok := r.typeMeta(item)
			if !ok {
				continue
			}
			r.object(item, av, k, i)
		}
		return r.objs, r.probs
	}
	r.object(root, apiVersion, kindStr, -1)
	return r.objs, r.probs
}

type docReader struct {
	file  string
	doc   int
	chunk Chunk
	lim   Limits
	// fields, when set, has the fast path decode only these fields of the
	// kinds whose type it lists (ReadDocumentPartly).
	fields Fields
	objs   []*Object
	probs  []Problem
	// stored drops the fields the types do not know (ReadStoredDocument),
	// listed in unknown.
	stored  bool
	unknown []UnknownField
	// slowOnly skips the fast path, for a document known to have fields
	// that do not decode (Object.Redecode of a PartlyInvalid object): the
	// fast path would give up on it after decoding it once for nothing.
	slowOnly bool
}

// decode decodes js as k, dropping and noting unknown fields when the
// reader reads stored objects.
func (r *docReader) decode(k kind, kindName string, js []byte) (any, *decodeError) {
	if !r.stored {
		return k.decode(js)
	}
	typed, unknown, derr := k.decodeStored(js)
	if derr != nil {
		return nil, derr
	}
	for _, path := range unknown {
		f := UnknownField{Kind: kindName, Path: listIndexRE.ReplaceAllString(path, "[*]")}
		if !slices.Contains(r.unknown, f) {
			r.unknown = append(r.unknown, f)
		}
	}
	return typed, nil
}

var listIndexRE = regexp.MustCompile(`\[\d+\]`)

// problem records a problem at a document-relative position.
func (r *docReader) problem(p Pos, msg string, o *Object) {
	r.add(Problem{Pos: p, Msg: msg}, o)
}

// posProblem records an error at a document-relative position, with the
// limit it hit.
func (r *docReader) posProblem(pe *PosError, o *Object) {
	r.add(Problem{Pos: pe.Pos, Msg: pe.MessageAt(r.chunk.StartLine), Limit: pe.Limit}, o)
}

// add records a problem of the document, its position made one of the
// file.
func (r *docReader) add(pr Problem, o *Object) {
	pr.File, pr.Doc = r.file, r.doc
	pr.Pos.Line += r.chunk.StartLine - 1
	if o != nil {
		pr.APIVersion, pr.Kind, pr.Namespace, pr.Name = o.APIVersion, o.Kind, o.Namespace, o.Name
	}
	r.probs = append(r.probs, pr)
}

// typeMeta reads apiVersion and kind, which must both be strings.
func (r *docReader) typeMeta(n *yaml.Node) (apiVersion, kind string, ok bool) {
	av, kd := child(n, "apiVersion"), child(n, "kind")
	if av == nil && kd == nil {
		p := r.notManifest(n, "apiVersion and kind are missing: this is not a Kubernetes manifest "+
			"(other YAML, like a CI workflow or Helm values?)"+hintf("; %s passes over such documents", r.lim.Hints[LimitNonManifest]))
		p.Limit = LimitNonManifest
		r.probs = append(r.probs, p)
		return "", "", false
	}
	get := func(field string, v *yaml.Node) (string, bool) {
		if v == nil {
			r.probs = append(r.probs, r.notManifest(n, field+" is missing: every manifest needs apiVersion and kind"))
			return "", false
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" || v.Value == "" {
			r.problem(Pos{Line: v.Line, Col: v.Column}, fmt.Sprintf("%s must be a non-empty string", field), nil)
			return "", false
		}
		return v.Value, true
	}
	apiVersion, ok1 := get("apiVersion", av)
	kind, ok2 := get("kind", kd)
	return apiVersion, kind, ok1 && ok2
}

// notManifest is the problem of a document without apiVersion or kind.
func (r *docReader) notManifest(n *yaml.Node, msg string) Problem {
	return Problem{File: r.file, Doc: r.doc, Pos: Pos{Line: n.Line + r.chunk.StartLine - 1, Col: n.Column}, Msg: msg, NotManifest: true}
}

// fast reads a document with the fast path when it can, and when the
// document is one object that decodes without a problem (a CronJob's
// schedule may still be one, checked as slow checks it): anything else is
// left to slow, from scratch, so that problems are reported as they always
// were.
func (r *docReader) fast() bool {
	p := fastParsers.Get().(*fastParser)
	defer putFastParser(p)
	if !p.parse(r.chunk.Data, r.lim) {
		return false
	}
	av, kd := p.child(0, "apiVersion"), p.child(0, "kind")
	if !p.isStr(av) || !p.isStr(kd) {
		return false
	}
	apiVersion, kindName := p.internedStr(av), p.internedStr(kd)
	if strings.HasSuffix(kindName, "List") {
		return false
	}
	k, known, err := lookupKind(apiVersion, kindName)
	if err != nil {
		return false
	}
	o := &Object{
		File: r.file, Doc: r.doc, Item: -1,
		APIVersion: apiVersion, Kind: kindName,
		doc: r.chunk.Data, docLine: int32(r.chunk.StartLine),
		docOff: int64(r.chunk.Offset), docLen: int32(len(r.chunk.Data)),
		keyLine: int32(r.chunk.StartLine + leadingLines(r.chunk.Data)),
	}
	if meta := p.child(0, "metadata"); meta >= 0 && p.nodes[meta].kind == fMap {
		o.Name = p.str(p.child(meta, "name"))
		if o.Name == "" {
			o.Name = generatedName(p.str(p.child(meta, "generateName")))
		}
		o.Namespace = p.namespaceStr(p.child(meta, "namespace"))
		if !known {
			o.Labels = p.stringMap(p.child(meta, "labels"))
			o.Annotations = p.stringMap(p.child(meta, "annotations"))
		}
	}
	if !known { // no rule reads it: no JSON, no decoding
		r.objs = append(r.objs, o)
		return true
	}
	var typed any
	ok := false
	if r.fields != nil && r.fields[k.typ] != nil {
		typed, ok = k.partial(p, r.fields)
		o.partial = ok
	}
	if !ok {
		typed, ok = k.fast(p)
	}
	if !ok { // the JSON path decides
		bp := jsonBufs.Get().(*[]byte)
		defer jsonBufs.Put(bp)
		js, ok := p.appendJSON((*bp)[:0], 0)
		*bp = js[:0]
		if !ok {
			return false
		}
		var derr *decodeError
		if typed, derr = r.decode(k, kindName, js); derr != nil {
			return false
		}
	}
	o.Typed, o.stored = typed, r.stored
	if m, ok := typed.(metaMaps); ok {
		o.Labels, o.Annotations = nilIfEmpty(m.GetLabels()), nilIfEmpty(m.GetAnnotations())
	}
	r.objs = append(r.objs, o)
	if kindName == "CronJob" {
		switch s := p.child(p.child(0, "spec"), "schedule"); {
		case p.isStr(s):
			r.checkSchedule(o, p.str(s), nil)
		case s >= 0 && p.nodes[s].kind == fScalar && p.nodes[s].style != fPlain && p.nodes[s].end == p.nodes[s].off:
			r.checkSchedule(o, "", nil) // "" or ''
		}
	}
	return true
}

func (r *docReader) object(n *yaml.Node, apiVersion, kindName string, item int) {
	o := &Object{
		File: r.file, Doc: r.doc, Item: item,
		APIVersion: apiVersion, Kind: kindName,
		doc: r.chunk.Data, docLine: int32(r.chunk.StartLine),
		docOff: int64(r.chunk.Offset), docLen: int32(len(r.chunk.Data)),
		keyLine: int32(r.chunk.StartLine + n.Line - 1),
	}
	k, known, err := lookupKind(apiVersion, kindName)
	// Decoded objects take their labels and annotations from the typed
	// metadata below instead: one copy of each map, not two.
	readMeta(n, o, !known || err != nil)
	if err != nil {
		v := child(n, "apiVersion")
		r.problem(Pos{Line: v.Line, Col: v.Column}, err.Error(), o)
		return
	}
	if !known {
		r.objs = append(r.objs, o)
		return
	}
	if bytes.IndexByte(r.chunk.Data, '*') >= 0 { // no '*', no alias
		if err := CheckAliases(n); err != nil {
			r.posProblem(err.(*PosError), o)
			return
		}
	}
	bp := jsonBufs.Get().(*[]byte)
	defer jsonBufs.Put(bp)
	js, err := appendJSON((*bp)[:0], n, r.lim)
	*bp = js[:0] // keep the grown buffer; decoders copy what they keep
	if err != nil {
		r.posProblem(err.(*PosError), o)
		return
	}
	typed, derr := r.decode(k, kindName, js)
	// A field that does not decode strictly is a problem at that field;
	// the object is linted without it when the rest decodes (leaveOut), so
	// that one bad field does not hide the object's other problems.
	first := len(r.probs)
	for left := 0; derr != nil; left++ {
		r.problem(decodeErrorPos(n, derr), fmt.Sprintf("%s: %s", o.label(), derr.msg), o)
		if left == maxLeftOut || !leaveOut(n, derr.path) {
			return
		}
		if js, err = appendJSON((*bp)[:0], n, r.lim); err != nil {
			return
		}
		*bp = js[:0]
		typed, derr = r.decode(k, kindName, js)
	}
	for i := first; i < len(r.probs); i++ {
		r.probs[i].LeftOut = true
		r.probs[i].Msg += " (the object is linted without this field)"
	}
	o.invalid = first < len(r.probs)
	o.Typed, o.stored = typed, r.stored
	if m, ok := typed.(metaMaps); ok {
		o.Labels, o.Annotations = nilIfEmpty(m.GetLabels()), nilIfEmpty(m.GetAnnotations())
	}
	r.objs = append(r.objs, o)
	r.unnamed(o, n)
	if kindName == "CronJob" {
		switch s := child(child(n, "spec"), "schedule"); {
		case s == nil:
		case s.Kind == yaml.ScalarNode && s.ShortTag() == "!!str":
			r.checkSchedule(o, s.Value, n)
		}
	}
}

// maxLeftOut is how many fields that do not decode an object may be
// linted without: past it, the object is left out, as a document that is
// mostly not what its kind holds.
const maxLeftOut = 16

// decodeErrorPos is where a decoding error of the object at n points: the
// field, as precisely as the decoder tells.
func decodeErrorPos(n *yaml.Node, derr *decodeError) Pos {
	pos := Pos{Line: n.Line, Col: n.Column}
	switch {
	case derr.path != "":
		pos = Locate(n, derr.path)
	case derr.field != "":
		if spec := child(n, "spec"); spec != nil {
			if p, ok := FindKey(spec, derr.field); ok {
				pos = p
			} else {
				pos = Locate(n, "spec")
			}
		}
	}
	return pos
}

// leaveOut takes the field at path out of the object at n, for a decoder
// that refused it: a mapping entry goes, a list item becomes null, which
// keeps the indexes of the others (and so the field paths of findings).
// It reports false when path does not lead to a field of the tree. A
// field inside an anchored node goes from every alias of it, where the
// decoder would refuse it too.
func leaveOut(n *yaml.Node, path string) bool {
	segs := parsePath(path)
	if len(segs) == 0 {
		return false
	}
	for i, seg := range segs {
		for n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		last := i == len(segs)-1
		switch {
		case seg.index >= 0 && n.Kind == yaml.SequenceNode && seg.index < len(n.Content):
			if last {
				n.Content[seg.index] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null",
					Line: n.Content[seg.index].Line, Column: n.Content[seg.index].Column}
				return true
			}
			n = n.Content[seg.index]
		case seg.index < 0 && n.Kind == yaml.MappingNode:
			j := 0
			for j < len(n.Content)-1 && n.Content[j].Value != seg.key {
				j += 2
			}
			if j >= len(n.Content)-1 {
				return false
			}
			if last {
				n.Content = append(n.Content[:j:j], n.Content[j+2:]...)
				return true
			}
			n = n.Content[j+1]
		default:
			return false
		}
	}
	return false
}

// metaMaps is the part of metav1.Object the loader reads; every decoded
// kind embeds ObjectMeta.
type metaMaps interface {
	GetLabels() map[string]string
	GetAnnotations() map[string]string
}

// nilIfEmpty keeps Labels and Annotations nil when there are none, as
// readMeta leaves them.
func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// jsonBufs recycles the JSON text of decoded documents: it is garbage as
// soon as the decoder has copied what it keeps, and allocating it afresh
// for every document costs as much as the copy.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// readMeta copies name and namespace straight from the node, and labels
// and annotations when maps is set, so that even kinds meshbatch does not
// decode can be named and suppressed.
func readMeta(n *yaml.Node, o *Object, maps bool) {
	meta := child(n, "metadata")
	if meta == nil || meta.Kind != yaml.MappingNode {
		return
	}
	o.Name = scalar(child(meta, "name"))
	if o.Name == "" {
		o.Name = generatedName(scalar(child(meta, "generateName")))
	}
	o.Namespace = scalar(child(meta, "namespace"))
	if maps {
		o.Labels = stringMap(child(meta, "labels"))
		o.Annotations = stringMap(child(meta, "annotations"))
	}
}

// generatedName is what Object.Name holds for an object the API server
// names from metadata.generateName: the prefix and "*", which no name has.
func generatedName(prefix string) string {
	if prefix == "" {
		return ""
	}
	return prefix + "*"
}

// unnamed records the problem of the objects of a kind meshbatch reads that
// have neither metadata.name nor metadata.generateName, which the API server
// refuses: they are still linted, as "unnamed <kind> at <file>:<line>".
// item is the node of the object, or nil when the fast path read it.
func (r *docReader) unnamed(o *Object, item *yaml.Node) {
	if o.Name != "" || !IsKnownKind(o.APIVersion, o.Kind) {
		return
	}
	r.problem(r.locate(item, "metadata"), fmt.Sprintf("%s has neither metadata.name nor metadata.generateName, so the API server refuses it; "+
		"give it a name (its findings call it %s)", o.Kind, o.Ref()), o)
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func stringMap(n *yaml.Node) map[string]string {
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil
	}
	m := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if v := n.Content[i+1]; v.Kind == yaml.ScalarNode {
			m[n.Content[i].Value] = v.Value
		}
	}
	return m
}

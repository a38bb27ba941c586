package manifest

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Limits bound the work done on hostile input. The zero value means the
// defaults below.
type Limits struct {
	MaxFileBytes int64 // larger files are refused before parsing
	MaxDepth     int   // deepest nesting of mappings and sequences
	MaxNodes     int   // nodes per document after alias expansion
	// Hints say how the user gets past a limit, as they would type it
	// ("--max-nodes"), for the messages of the problems that hit it. This
	// package names no flags: a limit without a hint is only named.
	Hints map[Limit]string
}

// Limit names what stopped a document from being read, where the user can
// change it: Problem.Limit and PosError.Limit say which one was hit, and
// Limits.Hints how to get past it.
type Limit uint8

const (
	NoLimit          Limit = iota
	LimitFileSize          // the file is over Limits.MaxFileBytes
	LimitNodes             // the document is over Limits.MaxNodes, or too dense to parse (see DenseFactor)
	LimitNonManifest       // the document has neither apiVersion nor kind: other YAML, reported unless skipped
)

// hintf formats the part of a message that gives a limit's hint, "" when
// there is none.
func hintf(format, hint string) string {
	if hint == "" {
		return ""
	}
	return fmt.Sprintf(format, hint)
}

// Default limits: far above any real manifest (the largest CRD in the Istio
// release is about 30 levels deep and 60,000 nodes), far below what would
// hurt a CI runner.
const (
	DefaultMaxFileBytes = 64 << 20
	DefaultMaxDepth     = 100
	DefaultMaxNodes     = 1_000_000
)

// MaxFileBytes is the largest file meshbatch reads whatever the limit
// asked for: an Object keeps a document's length and first line in 32 bits.
const MaxFileBytes = 1<<31 - 1

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	l.MaxFileBytes = min(l.MaxFileBytes, MaxFileBytes)
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultMaxNodes
	}
	return l
}

// PosError is an error at a position inside a document.
type PosError struct {
	Pos   Pos
	Msg   string
	Limit Limit // the limit the document hit, if that is the error
	// firstLine is the document line Msg names as "(first at line N)",
	// for MessageAt; 0 when it names none.
	firstLine int
}

func (e *PosError) Error() string { return fmt.Sprintf("line %d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg) }

// MessageAt returns Msg for a document that starts at line start of its
// file: a line the message names is made a line of the file, like Pos
// once the caller shifts it.
func (e *PosError) MessageAt(start int) string {
	if e.firstLine == 0 || start <= 1 {
		return e.Msg
	}
	return strings.Replace(e.Msg, fmt.Sprintf("(first at line %d)", e.firstLine), fmt.Sprintf("(first at line %d)", e.firstLine+start-1), 1)
}

func dupErr(k *yaml.Node, key string, firstLine int) *PosError {
	e := errAt(k, "duplicate key %q (first at line %d)", key, firstLine).(*PosError)
	e.firstLine = firstLine
	return e
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// ParseNode parses one YAML document into its root node. Lines in errors
// and nodes are relative to the document.
func ParseNode(doc []byte) (*yaml.Node, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		return nil, refineParseError(doc, yamlError(err).(*PosError))
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return n.Content[0], nil
	}
	return nil, nil // empty document
}

// yamlError turns a yaml.v3 error into a PosError, pulling out the line it
// names and dropping the "yaml: " prefix users have no use for.
func yamlError(err error) error {
	msg := err.Error()
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return &PosError{Pos: Pos{Line: 1, Col: 1}, Msg: msg}
	}
	line, _ := strconv.Atoi(m[1])
	if m[1] != "" && parserProblem(m[2]) {
		line++ // yaml.v3 counts the lines of parser errors from 0
	}
	if line == 0 {
		line = 1
	}
	return &PosError{Pos: Pos{Line: line, Col: 1}, Msg: m[2]}
}

// toJSON converts a YAML node tree to JSON the way Kubernetes reads YAML:
// mapping keys become strings, tags decide scalar types, aliases and merge
// keys are expanded. It refuses duplicate keys, values JSON cannot hold,
// nesting deeper than the limit, and alias expansion past the node budget.
func toJSON(n *yaml.Node, lim Limits) ([]byte, error) {
	return appendJSON(make([]byte, 0, 512), n, lim)
}

// appendJSON is toJSON appending to buf, so callers can reuse buffers.
func appendJSON(buf []byte, n *yaml.Node, lim Limits) ([]byte, error) {
	c := converter{buf: buf, lim: lim.withDefaults()}
	err := c.node(n, 0)
	return c.buf, err
}

type converter struct {
	buf   []byte
	lim   Limits
	nodes int
}

func errAt(n *yaml.Node, format string, args ...any) error {
	return &PosError{Pos: Pos{Line: n.Line, Col: n.Column}, Msg: fmt.Sprintf(format, args...)}
}

func (c *converter) node(n *yaml.Node, depth int) error {
	c.nodes++
	if c.nodes > c.lim.MaxNodes {
		e := errAt(n, "document expands to more than %d nodes (alias bomb?)%s",
			c.lim.MaxNodes, hintf("; raise %s if it is real", c.lim.Hints[LimitNodes])).(*PosError)
		e.Limit = LimitNodes
		return e
	}
	if depth > c.lim.MaxDepth {
		return errAt(n, "document nests deeper than %d levels", c.lim.MaxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.buf = append(c.buf, "null"...)
			return nil
		}
		return c.node(n.Content[0], depth)
	case yaml.AliasNode:
		return c.node(n.Alias, depth+1)
	case yaml.SequenceNode:
		c.buf = append(c.buf, '[')
		for i, item := range n.Content {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			if err := c.node(item, depth+1); err != nil {
				return err
			}
		}
		c.buf = append(c.buf, ']')
		return nil
	case yaml.MappingNode:
		return c.mapping(n, depth)
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	return errAt(n, "unsupported YAML node")
}

func (c *converter) mapping(n *yaml.Node, depth int) error {
	if !hasMergeKey(n) {
		return c.plainMapping(n, depth)
	}
	pairs, err := mappingPairs(n, 0)
	if err != nil {
		return err
	}
	c.buf = append(c.buf, '{')
	for i, p := range pairs {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendJSONString(c.buf, p.key)
		c.buf = append(c.buf, ':')
		if err := c.node(p.value, depth+1); err != nil {
			return err
		}
	}
	c.buf = append(c.buf, '}')
	return nil
}

func hasMergeKey(n *yaml.Node) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			return true
		}
	}
	return false
}

// bigMapping is the number of keys above which duplicates are found with
// a map rather than by comparing every pair.
const bigMapping = 32

// plainMapping writes a mapping without merge keys, the common case, with
// the same checks and errors as mappingPairs but without building pairs:
// every key is checked before any value is written, as there.
func (c *converter) plainMapping(n *yaml.Node, depth int) error {
	var seen map[string]*yaml.Node
	if len(n.Content)/2 > bigMapping {
		seen = make(map[string]*yaml.Node, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		key, err := keyString(k)
		if err != nil {
			return err
		}
		if seen != nil {
			if first, dup := seen[key]; dup {
				return dupErr(k, key, first.Line)
			}
			seen[key] = k
			continue
		}
		for j := 0; j < i; j += 2 {
			if prev, _ := keyString(n.Content[j]); prev == key {
				return dupErr(k, key, n.Content[j].Line)
			}
		}
	}
	c.buf = append(c.buf, '{')
	for i := 0; i+1 < len(n.Content); i += 2 {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		key, _ := keyString(n.Content[i])
		c.buf = appendJSONString(c.buf, key)
		c.buf = append(c.buf, ':')
		if err := c.node(n.Content[i+1], depth+1); err != nil {
			return err
		}
	}
	c.buf = append(c.buf, '}')
	return nil
}

type pair struct {
	key     string
	keyNode *yaml.Node
	value   *yaml.Node
}

// mappingPairs lists a mapping's entries with merge keys ("<<") expanded:
// explicit keys win over merged ones, earlier merged maps over later ones.
func mappingPairs(n *yaml.Node, depth int) ([]pair, error) {
	if depth > 32 {
		return nil, errAt(n, "merge keys nest too deeply")
	}
	pairs := make([]pair, 0, len(n.Content)/2)
	var merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			m, err := mergeSources(v, depth)
			if err != nil {
				return nil, err
			}
			merged = append(merged, m...)
			continue
		}
		key, err := keyString(k)
		if err != nil {
			return nil, err
		}
		if j := indexOfKey(pairs, key); j >= 0 {
			return nil, dupErr(k, key, pairs[j].keyNode.Line)
		}
		pairs = append(pairs, pair{key: key, keyNode: k, value: v})
	}
	for _, m := range merged {
		if indexOfKey(pairs, m.key) < 0 {
			pairs = append(pairs, m)
		}
	}
	return pairs, nil
}

func mergeSources(v *yaml.Node, depth int) ([]pair, error) {
	for v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.MappingNode:
		return mappingPairs(v, depth+1)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range v.Content {
			for item.Kind == yaml.AliasNode {
				item = item.Alias
			}
			if item.Kind != yaml.MappingNode {
				return nil, errAt(item, "a merge key (<<) takes a mapping or a list of mappings")
			}
			ps, err := mappingPairs(item, depth+1)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				if indexOfKey(out, p.key) < 0 {
					out = append(out, p)
				}
			}
		}
		return out, nil
	}
	return nil, errAt(v, "a merge key (<<) takes a mapping or a list of mappings")
}

func indexOfKey(pairs []pair, key string) int {
	for i := range pairs {
		if pairs[i].key == key {
			return i
		}
	}
	return -1
}

func keyString(k *yaml.Node) (string, error) {
	for k.Kind == yaml.AliasNode {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", errAt(k, "a mapping key must be a scalar, not a %s", kindName(k.Kind))
	}
	return k.Value, nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	}
	return "node"
}

func (c *converter) scalar(n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		c.buf = append(c.buf, "null"...)
	case "!!bool":
		if n.Value == "true" || n.Value == "false" {
			c.buf = append(c.buf, n.Value...)
			return nil
		}
		var b bool
		if err := n.Decode(&b); err != nil {
			// yaml.v3's message quotes the value, which may be a secret.
			return errAt(n, "tagged !!bool but not a boolean: write true or false")
		}
		c.buf = strconv.AppendBool(c.buf, b)
	case "!!int":
		if isPlainInt(n.Value) {
			c.buf = append(c.buf, strings.TrimPrefix(n.Value, "+")...)
			return nil
		}
		var i int64
		if err := n.Decode(&i); err != nil {
			var u uint64
			if err2 := n.Decode(&u); err2 != nil {
				if !looksNumeric(n.Value) {
					return errAt(n, "tagged !!int but not an integer")
				}
				return errAt(n, "integer out of range")
			}
			c.buf = strconv.AppendUint(c.buf, u, 10)
			return nil
		}
		c.buf = strconv.AppendInt(c.buf, i, 10)
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return errAt(n, "tagged !!float but not a number")
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return errAt(n, "infinity and NaN cannot be represented in JSON")
		}
		c.buf = strconv.AppendFloat(c.buf, f, 'g', -1, 64)
	case "!!binary":
		c.buf = appendJSONString(c.buf, strings.Join(strings.Fields(n.Value), ""))
	default: // !!str, !!timestamp and custom tags are kept as text
		c.buf = appendJSONString(c.buf, n.Value)
	}
	return nil
}

// isPlainInt reports whether s is a decimal integer JSON can carry as is.
func isPlainInt(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 18 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendASCIIEscape appends the JSON escape of an ASCII byte that JSON
// strings cannot hold as it is: a quote, a backslash or a control byte.
func appendASCIIEscape(buf []byte, b byte) []byte {
	switch b {
	case '"', '\\':
		return append(buf, '\\', b)
	case '\n':
		return append(buf, `\n`...)
	case '\r':
		return append(buf, `\r`...)
	case '\t':
		return append(buf, `\t`...)
	}
	return append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf = appendASCIIEscape(append(buf, s[start:i]...), b)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// YAMLToJSON converts a single YAML document (or a JSON text, which is YAML)
// to JSON under the given limits. Errors are *PosError with positions
// relative to data. An empty document gives "null".
func YAMLToJSON(data []byte, lim Limits) ([]byte, error) {
	if js, ok := fastYAMLToJSON(data, lim); ok {
		return js, nil
	}
	n, err := ParseNode(data)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return []byte("null"), nil
	}
	if err := CheckAliases(n); err != nil {
		return nil, err
	}
	return toJSON(n, lim)
}

package manifest

// The converter as it was before buffers were reused and merge-free
// mappings took a fast path, kept as the reference the current one must
// match byte for byte and error for error.

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// refToJSON is the old toJSON. toJSON converts a YAML node tree to JSON the way Kubernetes reads YAML:
// mapping keys become strings, tags decide scalar types, aliases and merge
// keys are expanded. It refuses duplicate keys, values JSON cannot hold,
// nesting deeper than the limit, and alias expansion past the node budget.
func refToJSON(n *yaml.Node, lim Limits) ([]byte, error) {
	c := refConverter{lim: lim.withDefaults()}
	c.buf.Grow(512)
	if err := c.node(n, 0); err != nil {
		return nil, err
	}
	return c.buf.Bytes(), nil
}

type refConverter struct {
	buf   bytes.Buffer
	lim   Limits
	nodes int
}

func (c *refConverter) node(n *yaml.Node, depth int) error {
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
			c.buf.WriteString("null")
			return nil
		}
		return c.node(n.Content[0], depth)
	case yaml.AliasNode:
		return c.node(n.Alias, depth+1)
	case yaml.SequenceNode:
		c.buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				c.buf.WriteByte(',')
			}
			if err := c.node(item, depth+1); err != nil {
				return err
			}
		}
		c.buf.WriteByte(']')
		return nil
	case yaml.MappingNode:
		return c.mapping(n, depth)
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	return errAt(n, "unsupported YAML node")
}

func (c *refConverter) mapping(n *yaml.Node, depth int) error {
	pairs, err := mappingPairs(n, 0)
	if err != nil {
		return err
	}
	c.buf.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			c.buf.WriteByte(',')
		}
		refAppendJSONString(&c.buf, p.key)
		c.buf.WriteByte(':')
		if err := c.node(p.value, depth+1); err != nil {
			return err
		}
	}
	c.buf.WriteByte('}')
	return nil
}

func (c *refConverter) scalar(n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		c.buf.WriteString("null")
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return errAt(n, "tagged !!bool but not a boolean: write true or false")
		}
		c.buf.WriteString(strconv.FormatBool(b))
	case "!!int":
		if isPlainInt(n.Value) {
			c.buf.WriteString(strings.TrimPrefix(n.Value, "+"))
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
			c.buf.WriteString(strconv.FormatUint(u, 10))
			return nil
		}
		c.buf.WriteString(strconv.FormatInt(i, 10))
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return errAt(n, "tagged !!float but not a number")
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return errAt(n, "infinity and NaN cannot be represented in JSON")
		}
		c.buf.Write(strconv.AppendFloat(c.buf.AvailableBuffer(), f, 'g', -1, 64))
	case "!!binary":
		refAppendJSONString(&c.buf, strings.Join(strings.Fields(n.Value), ""))
	default: // !!str, !!timestamp and custom tags are kept as text
		refAppendJSONString(&c.buf, n.Value)
	}
	return nil
}

// appendJSONString writes s as a JSON string literal.
func refAppendJSONString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf.WriteString(s[start:i])
			switch b {
			case '"', '\\':
				buf.WriteByte('\\')
				buf.WriteByte(b)
			case '\n':
				buf.WriteString(`\n`)
			case '\r':
				buf.WriteString(`\r`)
			case '\t':
				buf.WriteString(`\t`)
			default:
				buf.WriteString(`\u00`)
				buf.WriteByte(hexDigits[b>>4])
				buf.WriteByte(hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(s[start:i])
			buf.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		i += size
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}

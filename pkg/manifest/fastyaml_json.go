package manifest

import (
	"bytes"
	"slices"

	yaml "go.yaml.in/yaml/v3"
)

// fastYAMLToJSON is YAMLToJSON by the fast path; false if it declines.
func fastYAMLToJSON(data []byte, lim Limits) ([]byte, bool) {
	p := fastParsers.Get().(*fastParser)
	defer putFastParser(p)
	if !p.parse(data, lim.withDefaults()) {
		return nil, false
	}
	return p.appendJSON(make([]byte, 0, len(data)+len(data)/4), 0)
}

// appendJSON writes the subtree at i as the converter would, or reports
// false where the converter would fail (a duplicate key, a value JSON
// cannot hold): the yaml.v3 path then reports it.
func (p *fastParser) appendJSON(buf []byte, i int) ([]byte, bool) {
	n := &p.nodes[i]
	switch n.kind {
	case fSeq:
		buf = append(buf, '[')
		for j := i + 1; j < int(n.next); j = int(p.nodes[j].next) {
			if j > i+1 {
				buf = append(buf, ',')
			}
			var ok bool
			if buf, ok = p.appendJSON(buf, j); !ok {
				return buf, false
			}
		}
		return append(buf, ']'), true
	case fMap:
		if p.hasDuplicateKey(i) {
			return buf, false
		}
		buf = append(buf, '{')
		for k := i + 1; k < int(n.next); k = int(p.nodes[k+1].next) {
			if k > i+1 {
				buf = append(buf, ',')
			}
			buf = appendJSONText(buf, p.text(&p.nodes[k]))
			buf = append(buf, ':')
			var ok bool
			if buf, ok = p.appendJSON(buf, k+1); !ok {
				return buf, false
			}
		}
		return append(buf, '}'), true
	}
	v := p.text(n)
	if n.style != fPlain {
		return appendJSONText(buf, v), true
	}
	switch plainTag(v) {
	case tagStr:
		return appendJSONText(buf, v), true
	case tagNull:
		return append(buf, "null"...), true
	case tagBool:
		if v[0] == 't' || v[0] == 'T' {
			return append(buf, "true"...), true
		}
		return append(buf, "false"...), true
	case tagInt:
		if v[0] == '+' {
			v = v[1:]
		}
		return append(buf, v...), true
	}
	// The rare rest goes through the converter's own code.
	sn := yaml.Node{Kind: yaml.ScalarNode, Value: string(v)}
	sn.Tag = sn.ShortTag()
	c := converter{buf: buf}
	if err := c.scalar(&sn); err != nil {
		return buf, false
	}
	return c.buf, true
}

// hasDuplicateKey reports whether mapping m has a key twice.
func (p *fastParser) hasDuplicateKey(m int) bool {
	end := int(p.nodes[m].next)
	pairs := 0
	for k := m + 1; k < end; k = int(p.nodes[k+1].next) {
		ka := p.text(&p.nodes[k])
		for b := m + 1; b < k; b = int(p.nodes[b+1].next) {
			if bytes.Equal(ka, p.text(&p.nodes[b])) {
				return true
			}
		}
		if pairs++; pairs > bigMapping {
			return p.hasDuplicateKeySorted(m)
		}
	}
	return false
}

// hasDuplicateKeySorted is hasDuplicateKey for large mappings: sorting
// the keys costs less than comparing every pair.
func (p *fastParser) hasDuplicateKeySorted(m int) bool {
	mark := len(p.keys)
	for k := m + 1; k < int(p.nodes[m].next); k = int(p.nodes[k+1].next) {
		p.keys = append(p.keys, int32(k))
	}
	keys := p.keys[mark:]
	slices.SortFunc(keys, func(a, b int32) int { return bytes.Compare(p.text(&p.nodes[a]), p.text(&p.nodes[b])) })
	dup := false
	for a := 1; a < len(keys) && !dup; a++ {
		dup = bytes.Equal(p.text(&p.nodes[keys[a]]), p.text(&p.nodes[keys[a-1]]))
	}
	p.keys = p.keys[:mark]
	return dup
}

// appendJSONText is appendJSONString for text the fast path read, which is
// valid UTF-8 (fastText checked it, and escapes make only valid
// characters): bytes past ASCII are copied as they are.
func appendJSONText(buf, s []byte) []byte {
	buf = append(buf, '"')
	start := 0
	for i, b := range s {
		if b >= 0x20 && b != '"' && b != '\\' {
			continue
		}
		buf = appendASCIIEscape(append(buf, s[start:i]...), b)
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

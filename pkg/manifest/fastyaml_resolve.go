package manifest

import yaml "go.yaml.in/yaml/v3"

// Tags of plain scalars, as yaml.v3 resolves them.
const (
	tagStr = iota
	tagNull
	tagBool
	tagInt
	tagOther // float, timestamp, or an int JSON does not carry as written
)

// maybeNotStr holds the bytes of every plain scalar yaml.v3 can resolve to
// something other than a string when its first character is a sign, digit
// or dot: numbers in every base, floats, timestamps, infinities and NaN. A
// scalar with any other byte is a string.
var maybeNotStr = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-._: xXoObBtTzZabcdefABCDEFinIN") {
		t[c] = true
	}
	return t
}()

// plainTag resolves a plain scalar the way yaml.v3's resolve does, calling
// it for the few values whose type is not obvious.
func plainTag(v []byte) int {
	if len(v) == 0 {
		return tagNull
	}
	switch v[0] {
	case 't', 'T', 'f', 'F':
		switch string(v) {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return tagBool
		}
		return tagStr
	case 'n', 'N', '~':
		switch string(v) {
		case "~", "null", "Null", "NULL":
			return tagNull
		}
		return tagStr
	case '+', '-', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if isPlainInt(string(v)) {
			return tagInt
		}
		for _, c := range v {
			if !maybeNotStr[c] {
				return tagStr
			}
		}
		switch (&yaml.Node{Kind: yaml.ScalarNode, Value: string(v)}).ShortTag() {
		case "!!str":
			return tagStr
		case "!!null":
			return tagNull
		}
		return tagOther
	}
	return tagStr // yaml.v3 looks no further than the first character
}

// isStr reports whether scalar node n is a non-empty string, as the type
// metadata must be.
func (p *fastParser) isStr(i int) bool {
	if i < 0 {
		return false
	}
	n := &p.nodes[i]
	if n.kind != fScalar || n.end == n.off {
		return false
	}
	return n.style != fPlain || plainTag(p.text(n)) == tagStr
}

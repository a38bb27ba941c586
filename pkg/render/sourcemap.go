package render

import (
	"strings"
)

// Locate finds line (1-based) of a rendered document in the file it came
// from, and the column that corresponds to col there. It answers only
// when the line is found unambiguously: the same text on one line of the
// source (list markers aside), else the same key on one line, and among
// several such lines the one under the same chain of parent keys (a key
// alone must always be under the same parents). A
// template line like `image: {{ .Values.image }}` is found by its key; a
// line a helper or toYaml wrote is found nowhere, and ok is false.
func Locate(rendered string, line, col int, source string) (srcLine, srcCol int, ok bool) {
	rl := strings.Split(rendered, "\n")
	if line < 1 || line > len(rl) {
		return 0, 0, false
	}
	target := rl[line-1]
	content := strings.TrimSpace(target)
	if content == "" || strings.HasPrefix(content, "#") || content == "---" {
		return 0, 0, false
	}
	sl := strings.Split(source, "\n")
	path := parents(rl, line-1)
	pick := func(match func(string) bool, sameParents bool) (int, bool) {
		var hits []int
		for i, s := range sl {
			if match(strings.TrimSpace(s)) {
				hits = append(hits, i)
			}
		}
		if len(hits) > 1 || sameParents {
			var same []int
			for _, i := range hits {
				if equal(parents(sl, i), path) {
					same = append(same, i)
				}
			}
			hits = same
		}
		if len(hits) != 1 {
			return 0, false
		}
		return hits[0], true
	}
	body := strings.TrimPrefix(content, "- ")
	i, found := pick(func(s string) bool { return strings.TrimPrefix(s, "- ") == body }, false)
	exact := found
	if !found {
		key := keyOf(content)
		if key == "" {
			return 0, 0, false
		}
		// A key alone is weaker evidence than the whole line: it must sit
		// under the same parent keys, or a key a helper wrote would be
		// put on a line of the same name elsewhere.
		// And its value must be one a template could have rendered: a
		// literal value that differs (the other branch of an if) did not.
		i, found = pick(func(s string) bool { return keyOf(s) == key && templatedValue(s) }, true)
	}
	if !found {
		return 0, 0, false
	}
	s := sl[i]
	indent := len(s) - len(strings.TrimLeft(s, " \t"))
	srcCol = indent + 1
	rIndent := len(target) - len(strings.TrimLeft(target, " \t"))
	if off := col - 1 - rIndent; off > 0 {
		// The same offset into the line when the text is the same; the
		// key's own column otherwise, as list markers may differ.
		if exact && strings.HasPrefix(strings.TrimSpace(s), "- ") == strings.HasPrefix(content, "- ") {
			srcCol += off
		} else if strings.HasPrefix(content, "- ") && off == 2 && strings.HasPrefix(strings.TrimSpace(s), "- ") {
			srcCol += 2
		}
	}
	return i + 1, srcCol, true
}

// templatedValue reports whether a source line's value, after its key,
// is empty (a mapping or list follows) or holds template syntax.
func templatedValue(s string) bool {
	s = strings.TrimPrefix(strings.TrimSpace(s), "- ")
	i := strings.Index(s, ":")
	if i < 0 {
		return false
	}
	v := strings.TrimSpace(s[i+1:])
	return v == "" || strings.HasPrefix(v, "#") || strings.Contains(v, "{{")
}

// IsLeaf reports whether line (1-based) of a rendered document sets a
// value ("key: value", "- item") rather than opening a mapping or list
// ("key:").
func IsLeaf(rendered string, line int) bool {
	rl := strings.Split(rendered, "\n")
	if line < 1 || line > len(rl) {
		return false
	}
	s := strings.TrimSpace(rl[line-1])
	return s != "" && !strings.HasSuffix(s, ":")
}

// keyOf is the mapping key a YAML line starts with ("- " aside), "" when
// it starts with none or is template syntax.
func keyOf(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "- ")
	if s == "" || strings.HasPrefix(s, "{{") || strings.HasPrefix(s, "#") {
		return ""
	}
	var key string
	switch {
	case s[0] == '"' || s[0] == '\'':
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 {
			return ""
		}
		key, s = s[1:end+1], s[end+2:]
		if !strings.HasPrefix(s, ":") {
			return ""
		}
		return key
	default:
		i := strings.Index(s, ": ")
		if i < 0 {
			if !strings.HasSuffix(s, ":") {
				return ""
			}
			i = len(s) - 1
		}
		key = s[:i]
	}
	if strings.ContainsAny(key, "{}[],") {
		return ""
	}
	return key
}

// parents are the keys of the lines that hold line i, innermost first:
// each earlier line indented less than the last one found. Template
// directives and blank lines are skipped; a list item's key counts at
// the column of its key.
func parents(lines []string, i int) []string {
	indent := indentOf(lines[i])
	var out []string
	for j := i - 1; j >= 0 && indent > 0; j-- {
		t := strings.TrimSpace(lines[j])
		if t == "" || strings.HasPrefix(t, "{{") || strings.HasPrefix(t, "#") {
			continue
		}
		in := indentOf(lines[j])
		if in < indent {
			if k := keyOf(t); k != "" && !strings.HasPrefix(t, "- ") {
				out = append(out, k)
			}
			indent = in
		}
	}
	return out
}

// indentOf counts a line's leading spaces, and a list marker's as
// indentation: the keys of an item sit at the column after "- ".
func indentOf(s string) int {
	n := len(s) - len(strings.TrimLeft(s, " "))
	rest := s[n:]
	for strings.HasPrefix(rest, "- ") {
		n += 2
		rest = strings.TrimLeft(rest[2:], " ")
	}
	return n
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

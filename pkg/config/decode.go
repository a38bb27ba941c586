package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/meshbatch/meshbatch/internal/suggest"
	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// nodeDecoder decodes a YAML node tree into the config structs, strictly:
// unknown and duplicate keys and wrong shapes are errors at their line,
// and scalars keep their text. A version must be a string, as in a job
// spec: `istioVersion: 1.30` is the number 1.3 to YAML, and to every tool
// that reads or rewrites the file on the way (an editor's schema check,
// yq -o json, a Helm values file), so it is refused rather than read.
type nodeDecoder struct {
	file string
	pos  map[string]manifest.Pos
}

func (d *nodeDecoder) errorf(n *yaml.Node, fieldPath, format string, args ...any) error {
	where := fmt.Sprintf("%s:%d:%d", d.file, n.Line, n.Column)
	if fieldPath == "" {
		return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%s: %s: %s", where, fieldPath, fmt.Sprintf(format, args...))
}

func (d *nodeDecoder) decode(n *yaml.Node, v reflect.Value, fieldPath string) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil // "key:" with no value leaves the zero value
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return d.errorf(n, fieldPath, "expected a mapping, found %s", describeNode(n))
		}
		fields := map[string]int{}
		var names []string
		t := v.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = i
				names = append(names, name)
			}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := joinField(fieldPath, k.Value)
			idx, ok := fields[k.Value]
			if !ok {
				msg := fmt.Sprintf("unknown key %q", k.Value)
				if s := suggest.Closest(k.Value, names); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				msg += "; valid keys here: " + strings.Join(names, ", ")
				return d.errorf(k, "", "%s", msgAt(fieldPath, msg))
			}
			if seen[k.Value] {
				return d.errorf(k, p, "duplicate key")
			}
			seen[k.Value] = true
			d.pos[p] = manifest.Pos{Line: k.Line, Col: k.Column}
			if err := d.decode(val, v.Field(idx), p); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.errorf(n, fieldPath, "expected a list, found %s (write [%s] for one item)", describeNode(n), n.Value)
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", fieldPath, i)
			d.pos[p] = manifest.Pos{Line: item.Line, Col: item.Column}
			if err := d.decode(item, s.Index(i), p); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return d.errorf(n, fieldPath, "expected a mapping, found %s", describeNode(n))
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := fieldPath + manifest.Key(k.Value)
			if m.MapIndex(reflect.ValueOf(k.Value)).IsValid() {
				return d.errorf(k, p, "duplicate key")
			}
			d.pos[p] = manifest.Pos{Line: k.Line, Col: k.Column}
			elem := reflect.New(v.Type().Elem()).Elem()
			if err := d.decode(val, elem, p); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), elem)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return d.errorf(n, fieldPath, "expected a single value, found %s", describeNode(n))
		}
		if tag := n.ShortTag(); strings.HasSuffix(fieldPath, "Version") && (tag == "!!float" || tag == "!!int") {
			return d.errorf(n, fieldPath, "write the version as a string, like %q: YAML reads an unquoted %s as a number", n.Value, n.Value)
		}
		v.SetString(n.Value)
	default:
		return d.errorf(n, fieldPath, "unsupported field type %s", v.Type())
	}
	return nil
}

func msgAt(fieldPath, msg string) string {
	if fieldPath == "" {
		return msg
	}
	return "in " + fieldPath + ": " + msg
}

func joinField(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

// decodeFile parses a YAML file's data strictly into v (a pointer to a
// struct), recording where each field path is in pos; empty reports a
// file without a document. Errors name the file, line and column.
func decodeFile(name string, data []byte, v any, pos map[string]manifest.Pos) (empty bool, err error) {
	root, err := manifest.ParseNode(manifest.NormalizeLineBreaks(bytes.Clone(data)))
	if err != nil {
		var pe *manifest.PosError
		if errors.As(err, &pe) {
			return false, fmt.Errorf("%s:%d:%d: %s", name, pe.Pos.Line, pe.Pos.Col, pe.Msg)
		}
		return false, fmt.Errorf("%s: %v", name, err)
	}
	if root == nil {
		return true, nil
	}
	if err := manifest.CheckAliases(root); err != nil {
		pe := err.(*manifest.PosError)
		return false, fmt.Errorf("%s:%d:%d: %s", name, pe.Pos.Line, pe.Pos.Col, pe.Msg)
	}
	d := nodeDecoder{file: name, pos: pos}
	return false, d.decode(root, reflect.ValueOf(v).Elem(), "")
}

package manifest

import (
	"reflect"
	"slices"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// SplitFieldPath splits "spec.template.spec.containers[0].imagePullPolcy"
// into its parent path and last field name.
func SplitFieldPath(path string) (parent, name string) {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i], path[i+1:]
	}
	return "", path
}

// JSONFieldsAt returns the JSON field names of the struct that path leads
// to from t, in declaration order (list indexes and map keys pass through
// to the element type), or nil when the path leaves the Go types or ends
// at something other than a struct: the candidates of a did-you-mean for
// an unknown field.
func JSONFieldsAt(t reflect.Type, path string) []string {
	for part := range strings.SplitSeq(path, ".") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "[") // containers[0]
		f, ok := jsonField(elem(t), name)
		if !ok {
			return nil
		}
		t = f
	}
	return jsonFieldNames(elem(t), nil)
}

// elem looks through pointers, slices and maps to the type they hold.
func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	return t
}

// jsonField finds the type of the field a JSON name decodes into,
// looking into inlined (embedded) structs as encoding/json does.
func jsonField(t reflect.Type, name string) (reflect.Type, bool) {
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-":
		case tag == "" && f.Anonymous:
			if ft, ok := jsonField(elem(f.Type), name); ok {
				return ft, true
			}
		case tag == name, tag == "" && f.Name == name:
			return f.Type, true
		}
	}
	return nil, false
}

// jsonFieldNames appends the JSON field names of a struct, inlined
// structs' included.
func jsonFieldNames(t reflect.Type, names []string) []string {
	if t.Kind() != reflect.Struct {
		return names
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-" || !f.IsExported():
		case tag == "" && f.Anonymous:
			names = jsonFieldNames(elem(f.Type), names)
		case tag == "":
			names = append(names, f.Name)
		default:
			names = append(names, tag)
		}
	}
	return names
}

// protoFieldNames lists the JSON names of every field of a message and of
// the messages under it, once each.
func protoFieldNames(md protoreflect.MessageDescriptor) []string {
	var names []string
	seen := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] {
			return
		}
		seen[md.FullName()] = true
		fields := md.Fields()
		for i := range fields.Len() {
			f := fields.Get(i)
			if !slices.Contains(names, f.JSONName()) {
				names = append(names, f.JSONName())
			}
			if m := f.Message(); m != nil && !strings.HasPrefix(string(m.FullName()), "google.protobuf.") {
				walk(m)
			}
		}
	}
	walk(md)
	return names
}

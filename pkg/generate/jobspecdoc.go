package generate

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"text/template"

	"github.com/meshbatch/meshbatch/internal/orderedjson"
)

// The JSON Schema (docs/jobspec.schema.json) and the reference
// (docs/jobspec.md) are generated from the Go types and fieldDocs, so that
// neither can miss a field; TestJobSpecDocs keeps the committed files in
// step (go test ./pkg/generate -update rewrites them).

// SchemaID is where the published schema lives.
const SchemaID = "https://raw.githubusercontent.com/meshbatch/meshbatch/main/docs/jobspec.schema.json"

// field is one field of the spec, in declaration order.
type field struct {
	Path string // spec.destinations[].port
	Name string // port
	Type reflect.Type
	Doc  fieldDoc
}

// specFields walks the spec's Go types depth first, in declaration order.
func specFields() []field {
	var out []field
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for f := range t.Fields() {
			name := jsonName(f)
			if name == "" {
				continue
			}
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			out = append(out, field{Path: path, Name: name, Type: f.Type, Doc: fieldDocs[path]})
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case ft.Kind() == reflect.Struct:
				walk(ft, path)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				walk(ft.Elem(), path+"[]")
			}
		}
	}
	walk(reflect.TypeFor[BatchJob](), "")
	return out
}

// JSONSchema returns the job spec's JSON Schema (draft-07, which
// yaml-language-server reads best).
func JSONSchema() ([]byte, error) {
	root := schemaOf(reflect.TypeFor[BatchJob](), "", fieldDoc{})
	var doc orderedjson.Object
	doc.Set("$schema", "http://json-schema.org/draft-07/schema#")
	doc.Set("$id", SchemaID)
	doc.Set("title", "meshbatch job spec ("+SpecAPIVersion+" "+SpecKind+")")
	doc.Set("description", "A batch job for an Istio mesh with STRICT mTLS; `meshbatch generate -f` turns it into manifests. Reference: docs/jobspec.md.")
	for _, kv := range root {
		doc.Set(kv.Key, kv.Value)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// schemaOf describes a Go type at a spec path.
func schemaOf(t reflect.Type, path string, doc fieldDoc) orderedjson.Object {
	var s orderedjson.Object
	if doc.Desc != "" {
		s.Set("description", describe(doc))
		s.Set("markdownDescription", describeMarkdown(doc))
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		s.Set("type", "object")
		var props orderedjson.Object
		var required []string
		prefix := path
		for f := range t.Fields() {
			name := jsonName(f)
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			fd := fieldDocs[p]
			props.Set(name, schemaOf(f.Type, p, fd))
			if fd.Required {
				required = append(required, name)
			}
		}
		s.Set("properties", props)
		if len(required) > 0 {
			s.Set("required", required)
		}
		s.Set("additionalProperties", false)
		if path == "spec.destinations[]" {
			// A destination is in the mesh (service) or outside (host).
			s.Set("oneOf", []orderedjson.Object{requiredOnly("service"), requiredOnly("host")})
		}
	case reflect.Map:
		s.Set("type", "object")
		s.Set("additionalProperties", orderedjson.Object{{Key: "type", Value: "string"}})
	case reflect.Slice:
		s.Set("type", "array")
		items := schemaOf(t.Elem(), path+"[]", fieldDocs[path+"[]"])
		if t.Elem().Kind() == reflect.String {
			// The constraints of a list of strings are its items'.
			if len(doc.Enum) > 0 {
				items.Set("enum", doc.Enum)
			}
			if doc.Pattern != "" {
				items.Set("pattern", doc.Pattern)
			}
			doc.Enum, doc.Pattern = nil, ""
		}
		s.Set("items", items)
	case reflect.String:
		s.Set("type", "string")
	case reflect.Int32, reflect.Int64, reflect.Int:
		s.Set("type", "integer")
	case reflect.Bool:
		s.Set("type", "boolean")
	}
	if len(doc.Enum) > 0 {
		s.Set("enum", doc.Enum)
	}
	if doc.Pattern != "" {
		s.Set("pattern", doc.Pattern)
	}
	if doc.Min != nil {
		s.Set("minimum", *doc.Min)
	}
	if doc.Max != nil {
		s.Set("maximum", *doc.Max)
	}
	return s
}

func requiredOnly(field string) orderedjson.Object {
	var o orderedjson.Object
	o.Set("required", []string{field})
	return o
}

func describe(d fieldDoc) string {
	s := d.Desc
	if d.Default != "" {
		s += " Default: " + strings.ReplaceAll(d.Default, "`", "") + "."
	}
	return s
}

func describeMarkdown(d fieldDoc) string {
	s := describe(d)
	if d.Generates != "" {
		s += "\n\nGenerates: " + d.Generates + "."
	}
	if d.Why != "" {
		s += "\n\nWhy: " + d.Why + "."
	}
	return s
}

//go:embed jobspec.md.tmpl
var referenceTemplate string

// Reference returns docs/jobspec.md.
func Reference() ([]byte, error) {
	fields := specFields()
	funcs := template.FuncMap{
		// table lists the fields under the given paths (and their children).
		"table": func(prefixes ...string) string {
			var b strings.Builder
			b.WriteString("| Field | Meaning | Default | Generates | Why |\n|---|---|---|---|---|\n")
			for _, f := range fields {
				if !slices.ContainsFunc(prefixes, func(p string) bool {
					return f.Path == p || strings.HasPrefix(f.Path, p+".") || strings.HasPrefix(f.Path, p+"[]")
				}) {
					continue
				}
				meaning := f.Doc.Desc
				if f.Doc.Required {
					meaning = "**Required.** " + meaning
				}
				if len(f.Doc.Enum) > 0 {
					meaning += " One of: `" + strings.Join(f.Doc.Enum, "`, `") + "`."
				}
				if f.Doc.Example != "" {
					meaning += " Example: `" + f.Doc.Example + "`."
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Path, cell(meaning), cell(orDash(f.Doc.Default)),
					cell(orDash(f.Doc.Generates)), cell(orDash(f.Doc.Why)))
			}
			return b.String()
		},
		"default": func(name string) string {
			switch name {
			case "deadline":
				return formatDuration(DefaultDeadline)
			case "ttl":
				return formatDuration(DefaultTTLAfterFinished)
			case "proxy":
				p := DefaultProxy
				return fmt.Sprintf("cpu %s, memory %s, cpuLimit %s, memoryLimit %s", p.CPU, p.Memory, p.CPULimit, p.MemoryLimit)
			case "quit":
				return QuitCommand
			}
			panic("unknown default " + name)
		},
		"wrapper": func() string { return classicWrapper },
	}
	tmpl, err := template.New("jobspec.md").Funcs(funcs).Parse(referenceTemplate)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, nil); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

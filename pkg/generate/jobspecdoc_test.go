package generate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

var docsDir = filepath.Join("..", "..", "docs")

// TestJobSpecDocs keeps docs/jobspec.schema.json and docs/jobspec.md in
// step with the Go types and fieldDocs (-update rewrites them).
func TestJobSpecDocs(t *testing.T) {
	schema, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, filepath.Join(docsDir, "jobspec.schema.json"), schema)
	ref, err := Reference()
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, filepath.Join(docsDir, "jobspec.md"), ref)
}

// TestFieldDocsCoverEveryField: every field is documented, with what it
// generates and why, and no entry documents a field that does not exist.
func TestFieldDocsCoverEveryField(t *testing.T) {
	paths := map[string]bool{}
	for _, f := range specFields() {
		paths[f.Path] = true
		d, ok := fieldDocs[f.Path]
		if !ok || d.Desc == "" {
			t.Errorf("%s: no fieldDocs entry with a description", f.Path)
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		leaf := ft.Kind() != reflect.Struct
		if leaf && (d.Generates == "" || d.Why == "") {
			t.Errorf("%s: say what it generates and why", f.Path)
		}
		if !strings.HasSuffix(d.Desc, ".") {
			t.Errorf("%s: the description should be a sentence ending with a period", f.Path)
		}
	}
	for p := range fieldDocs {
		if !paths[p] {
			t.Errorf("fieldDocs documents %s, which is not a field", p)
		}
	}
}

// TestSchemaAgreesWithLoad checks the schema against the specs the tests
// already have: every good spec and example is valid, and the bad specs
// whose mistake a schema can express are not. (A small validator for the
// draft-07 keywords the schema uses; the Go loader stays the reference.)
func TestSchemaAgreesWithLoad(t *testing.T) {
	raw, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	good, _ := filepath.Glob(filepath.Join("testdata", "*", "spec.yaml"))
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	for _, spec := range append(good, examples...) {
		if errs := validateSchema(schema, specJSON(t, spec), ""); len(errs) > 0 {
			t.Errorf("%s: the schema rejects a good spec: %v", spec, errs)
		}
	}
	for _, name := range []string{
		"unknown-field", "unknown-field-no-suggestion", "misspelt-top-level", "wrong-type", "unquoted-version",
		"bad-duration", "bad-quantity", "bad-port", "bad-name", "missing-required", "misspelt-enum", "service-and-host",
	} {
		spec := filepath.Join("testdata", "errors", name, "spec.yaml")
		if errs := validateSchema(schema, specJSON(t, spec), ""); len(errs) == 0 {
			t.Errorf("%s: the schema accepts it", spec)
		}
	}
}

func specJSON(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := manifest.YAMLToJSON(data, manifest.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// validateSchema checks v against the subset of draft-07 JSONSchema
// writes: type, properties, required, additionalProperties, items, enum,
// pattern, minimum, maximum, oneOf.
func validateSchema(s map[string]any, v any, path string) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	switch s["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("not an object")
			return errs
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := obj[r]; !ok {
				fail("missing %s", r)
			}
		}
		for k, val := range obj {
			switch ps, ok := props[k].(map[string]any); {
			case ok:
				errs = append(errs, validateSchema(ps, val, path+"."+k)...)
			case s["additionalProperties"] == false:
				fail("unknown %s", k)
			default:
				if ap, ok := s["additionalProperties"].(map[string]any); ok {
					errs = append(errs, validateSchema(ap, val, path+"."+k)...)
				}
			}
		}
		if oneOf, ok := s["oneOf"].([]any); ok {
			matches := 0
			for _, alt := range oneOf {
				if len(validateSchema(alt.(map[string]any), v, path)) == 0 {
					matches++
				}
			}
			if matches != 1 {
				fail("matches %d of oneOf", matches)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			fail("not a list")
			return errs
		}
		for i, item := range arr {
			errs = append(errs, validateSchema(s["items"].(map[string]any), item, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("not a string")
			return errs
		}
		if enum := asStrings(s["enum"]); enum != nil && !slices.Contains(enum, str) {
			fail("%q not in enum", str)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			fail("%q does not match %s", str, p)
		}
	case "integer":
		n, ok := v.(float64)
		if !ok || n != float64(int64(n)) {
			fail("not an integer")
			return errs
		}
		if m, ok := s["minimum"].(float64); ok && n < m {
			fail("%v below %v", n, m)
		}
		if m, ok := s["maximum"].(float64); ok && n > m {
			fail("%v above %v", n, m)
		}
	case nil: // oneOf alternatives: only "required"
		if obj, ok := v.(map[string]any); ok {
			for _, r := range asStrings(s["required"]) {
				if _, ok := obj[r]; !ok {
					fail("missing %s", r)
				}
			}
		}
	}
	return errs
}

func asStrings(v any) []string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, len(list))
	for i, x := range list {
		out[i], _ = x.(string)
	}
	return out
}

package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

const configSchema = "../../docs/schemas/meshbatch-config.schema.json"

func loadConfigSchema(t *testing.T) (*jsonschema.Schema, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(configSchema)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("file:///config.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("file:///config.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	return s, raw
}

// TestConfigSchemaAcceptsWhatMeshbatchAccepts validates the contract
// example and the example in docs/configuration.md against the published
// schema, and checks that the schema rejects an unknown key.
func TestConfigSchemaAcceptsWhatMeshbatchAccepts(t *testing.T) {
	s, _ := loadConfigSchema(t)
	docs, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	// The first ```yaml block of docs/configuration.md is the full example.
	_, after, ok := strings.Cut(string(docs), "```yaml\n")
	example, _, ok2 := strings.Cut(after, "```")
	if !ok || !ok2 {
		t.Fatal("docs/configuration.md has no ```yaml example")
	}
	for name, y := range map[string]string{"contract": contract, "docs/configuration.md": example} {
		if _, err := Parse(name, "/", []byte(y)); err != nil {
			t.Errorf("%s: meshbatch rejects it: %v", name, err)
		}
		js, err := manifest.YAMLToJSON([]byte(y), manifest.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("%s: the schema rejects it:\n%v", name, err)
		}
	}
	for _, bad := range []string{`{"failon": "warning"}`, `{"facts": {"istioVersion": 1.3}}`} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if s.Validate(inst) == nil {
			t.Errorf("the schema accepts %s, which meshbatch refuses", bad)
		}
	}
}

// TestConfigSchemaMatchesStruct: every key of Config (and its nested
// structs) is in the schema and the schema has no other, so the two
// cannot drift.
func TestConfigSchemaMatchesStruct(t *testing.T) {
	_, raw := loadConfigSchema(t)
	var check func(path string, typ reflect.Type, schema map[string]any)
	check = func(path string, typ reflect.Type, schema map[string]any) {
		props, _ := schema["properties"].(map[string]any)
		var inStruct, inSchema []string
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			inStruct = append(inStruct, name)
			sub, _ := props[name].(map[string]any)
			ft := typ.Field(i).Type
			if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
				sub, _ = sub["items"].(map[string]any)
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && sub != nil {
				check(path+name+".", ft, sub)
			}
		}
		for k := range props {
			inSchema = append(inSchema, k)
		}
		sort.Strings(inStruct)
		sort.Strings(inSchema)
		if diff := cmp.Diff(inStruct, inSchema); diff != "" {
			t.Errorf("keys under %q differ between Config and %s (-struct +schema):\n%s", strings.TrimSuffix(path, "."), filepath.Base(configSchema), diff)
		}
	}
	check("", reflect.TypeFor[Config](), raw)
}

// TestConfigSchemaEnvironments: the schema takes charts: with environments
// as meshbatch does (TestChartEnvironments), and refuses what meshbatch
// refuses (TestChartEnvironmentsErrors).
func TestConfigSchemaEnvironments(t *testing.T) {
	s, _ := loadConfigSchema(t)
	good := `{"charts": {"charts/etl": {"values": ["a.yaml"], "environments": {
		"prod": {"values": ["p.yaml"], "releaseName": "etl"},
		"staging-2": {"set": {"proxy.memory": "64Mi", "replicas": 2}, "namespace": "batch-staging"}}}}}`
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("the schema rejects environments meshbatch accepts:\n%v", err)
	}
	for _, bad := range []string{
		`{"charts": {"charts/etl": {"environments": {}}}}`,
		`{"charts": {"charts/etl": {"environments": {"prod env": {}}}}}`,
		`{"charts": {"charts/etl": {"environments": {"prod": {"valus": ["x.yaml"]}}}}}`,
		`{"charts": {"charts/etl": {"environments": ["prod"]}}}`,
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if s.Validate(inst) == nil {
			t.Errorf("the schema accepts %s, which meshbatch refuses", bad)
		}
	}
}

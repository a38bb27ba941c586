package clusterfacts

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDropManagedFields(t *testing.T) {
	mf := `[{"manager":"kubectl","fieldsV1":{"f:metadata":{"f:labels":{"k:{\"a\":\"]}\"}":{}}}}}]`
	for in, want := range map[string]string{
		`{"apiVersion":"v1","metadata":{"name":"a","managedFields":` + mf + `,"uid":"u"},"spec":{}}`: `{"apiVersion":"v1","metadata":{"name":"a","uid":"u"},"spec":{}}`,
		`{"metadata":{"name":"a","managedFields":` + mf + `},"spec":{"managedFields":1}}`:            `{"metadata":{"name":"a"},"spec":{"managedFields":1}}`,
		`{"metadata":{"managedFields":` + mf + `}}`:                                                  `{"metadata":{}}`,
		`{"metadata": {"managedFields": ` + mf + ` , "name": "b"}}`:                                  `{"metadata": {"name": "b"}}`,
		`{"spec":{"metadata":{"managedFields":[]}},"metadata":{"name":"c"}}`:                         `{"spec":{"metadata":{"managedFields":[]}},"metadata":{"name":"c"}}`,
		`{"metadata":{"name":"a"}}`:                                                                  `{"metadata":{"name":"a"}}`,
		`{"metadata":{"managedFi`:                                                                    `{"metadata":{"managedFi`,
		`[]`:                                                                                         `[]`,
	} {
		got := string(DropManagedFields([]byte(in)))
		if got != want {
			t.Errorf("DropManagedFields(%s)\n = %s\nwant %s", in, got, want)
			continue
		}
		var a, b map[string]any
		if json.Unmarshal([]byte(in), &a) == nil {
			if meta, ok := a["metadata"].(map[string]any); ok {
				delete(meta, "managedFields")
			}
			if err := json.Unmarshal([]byte(got), &b); err != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("%s is not %s without metadata.managedFields (%v)", got, in, err)
			}
		}
	}
}

package orderedjson

import (
	"encoding/json"
	"testing"
)

func TestObjectKeepsOrder(t *testing.T) {
	var inner Object
	inner.Set("z", 1)
	inner.Set("a", []string{"<b>"})
	var o Object
	o.Set("title", "x & y")
	o.Set("properties", inner)

	got, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	// json.Marshal escapes HTML in the whole document, as before this type
	if want := `{"title":"x \u0026 y","properties":{"z":1,"a":["\u003cb\u003e"]}}`; string(got) != want {
		t.Errorf("Marshal = %s\nwant      %s", got, want)
	}
	got, err = o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"title":"x & y","properties":{"z":1,"a":["<b>"]}}`; string(got) != want {
		t.Errorf("MarshalJSON = %s\nwant          %s", got, want)
	}
}

func TestObjectError(t *testing.T) {
	var o Object
	o.Set("f", func() {})
	if _, err := json.Marshal(o); err == nil {
		t.Error("a value JSON cannot hold was encoded")
	}
}

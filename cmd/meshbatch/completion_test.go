package main

import (
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
)

// TestFactValuesParse: every value a fact flag completes is one the fact
// accepts, and each such fact refuses a value outside its set, so the
// completions cannot drift from lint.RawFacts.Parse.
func TestFactValuesParse(t *testing.T) {
	fields := map[string]lint.FactField{}
	for _, f := range lint.FactFields() {
		fields[f.Key] = f
	}
	for key, values := range factValues {
		f, ok := fields[key]
		if !ok {
			t.Errorf("factValues names %q, which is no fact", key)
			continue
		}
		for _, v := range append(values, "bogus") {
			var raw lint.RawFacts
			f.Set(&raw, []string{v})
			_, err := raw.Parse()
			if (err == nil) != (v != "bogus") {
				t.Errorf("%s=%s: Parse error %v", key, v, err)
			}
		}
	}
}

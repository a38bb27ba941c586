package manifest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFiles adds every YAML file under the repository's test fixtures and
// examples to a fuzz corpus, on top of the committed testdata/fuzz seeds.
func seedFiles(f *testing.F, limit int) {
	f.Helper()
	var files []string
	for _, glob := range []string{
		"../rules/testdata/*/*.yaml",
		"../generate/testdata/*/want.yaml",
		"../../examples/*.yaml",
	} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil || len(data) > limit {
			continue
		}
		f.Add(data)
	}
}

// lineCount is the number of lines a position may name in data: one past
// the last line break counts (an error at the end of the input), and a
// lone CR is a line break, as in YAML.
func lineCount(data []byte) int {
	return bytes.Count(NormalizeLineBreaks(bytes.Clone(data)), []byte("\n")) + 1
}

// FuzzReadFile feeds arbitrary bytes through the loader (split into
// documents, parse, convert, strict decode) and checks that it never
// panics, that every problem and every object position is inside the
// file, and that problems carry a message.
func FuzzReadFile(f *testing.F) {
	for _, c := range locateCases {
		f.Add([]byte(c))
	}
	addLoaderSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		lines := lineCount(data)
		objs, probs := ReadFile("in.yaml", data, fuzzLimits)
		for _, p := range probs {
			if p.File != "in.yaml" || p.Msg == "" {
				t.Fatalf("problem without file or message: %+v", p)
			}
			if p.Pos.Line < 1 || p.Pos.Line > lines || p.Pos.Col < 1 {
				t.Fatalf("problem at %d:%d, outside the %d-line input: %+v", p.Pos.Line, p.Pos.Col, lines, p)
			}
			if strings.Contains(p.Msg, "goroutine ") || strings.Contains(p.Msg, "panic") {
				t.Fatalf("problem message looks like a crash: %q", p.Msg)
			}
		}
		for _, o := range objs {
			if o.APIVersion == "" || o.Kind == "" {
				t.Fatalf("object without apiVersion or kind: %+v", o)
			}
			for _, path := range []string{"", "metadata.name", "spec", "spec.template.spec.containers[0].image", `metadata.annotations["a.b/c"]`, "items[3]", "[", `["`} {
				p := o.Pos(path)
				if p.Line < 1 || p.Line > lines || p.Col < 1 {
					t.Fatalf("Pos(%q) of %s = %+v, outside the %d-line input", path, o.Ref(), p, lines)
				}
			}
		}
	})
}

// The loader's fuzz targets read inputs up to fuzzMaxInput bytes with
// fuzzLimits, seeded with the converter's cases, a document the release
// tests read, and the repository's manifests.
const fuzzMaxInput = 64 << 10

var fuzzLimits = Limits{MaxDepth: 40, MaxNodes: 20_000}

func addLoaderSeeds(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(releaseDoc))
	seedFiles(f, 16<<10)
}

// FuzzYAMLToJSON checks the converter the rules and the job-spec loader
// call on their own: it never panics, and what it returns is valid JSON.
func FuzzYAMLToJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	for _, c := range locateCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			return
		}
		js, err := YAMLToJSON(data, Limits{MaxDepth: 20, MaxNodes: 10_000})
		if err != nil {
			if _, ok := err.(*PosError); !ok {
				t.Fatalf("error of type %T, want *PosError: %v", err, err)
			}
			return
		}
		if !json.Valid(js) {
			t.Fatalf("invalid JSON %q from %q", js, data)
		}
	})
}

package manifest

import (
	"bytes"
	"testing"

	"github.com/meshbatch/meshbatch/internal/corpusgen"
)

// jsonCases are documents whose JSON or error the converters must agree
// on: merge keys, duplicates, aliases, every scalar tag.
var jsonCases = []string{
	"a: 1\nb: [true, false, True, FALSE, null, ~, 1.5, 0x1F, 0o17, -0, +3, 1e3, .inf, .nan]\n",
	"a: &x {p: 1, q: 2}\nb:\n  <<: *x\n  q: 3\n",
	"a: &x {p: 1}\nb: &y {r: 2}\nc:\n  <<: [*x, *y]\n  s: 3\n",
	"a: 1\nb: 2\na: 3\n",
	"? [a, b]\n: 1\n",
	"*unknown\n",
	"a: !!binary aGVsbG8=\nb: !!str 12\nc: 2001-12-14t21:59:43.10-05:00\nd: !custom text\n",
	"a: \"tab\\there \\u0001 \\\"q\\\" \\\\ \\r\\n\"\nb: 'ünïcödé €'\n",
	"a: 99999999999999999999\nb: -99999999999999999999\nc: 18446744073709551615\n",
	"a: yes\nb: on\nc: !!bool yes\n",
	"a: !!int notanint\n",
	"a: !!float x\n",
	"[1, {a: {b: [2, 3]}}, \"x\"]\n",
	"k1: 1\nk2: 2\nk3: 3\nk4: 4\nk5: 5\nk6: 6\nk7: 7\nk8: 8\nk9: 9\nk10: 10\nk11: 11\nk12: 12\nk13: 13\nk14: 14\nk15: 15\nk16: 16\nk17: 17\nk18: 18\nk19: 19\nk20: 20\nk21: 21\nk22: 22\nk23: 23\nk24: 24\nk25: 25\nk26: 26\nk27: 27\nk28: 28\nk29: 29\nk30: 30\nk31: 31\nk32: 32\nk33: 33\nk34: 34\nk7: dup\n",
	"a: &a [*a]\n",
}

func checkSameJSON(t *testing.T, doc []byte) {
	t.Helper()
	n, err := ParseNode(doc)
	if err != nil || n == nil {
		return
	}
	for _, lim := range []Limits{{}, {MaxDepth: 3, MaxNodes: 20}} {
		want, werr := refToJSON(n, lim)
		got, gerr := toJSON(n, lim)
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
			t.Fatalf("%q (limits %+v): error %v, reference %v", doc, lim, gerr, werr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%q (limits %+v):\n got %s\nwant %s", doc, lim, got, want)
		}
	}
}

func TestToJSONMatchesReference(t *testing.T) {
	for _, c := range jsonCases {
		checkSameJSON(t, []byte(c))
	}
	for _, f := range corpusgen.Generate(corpusgen.Options{Objects: 400}) {
		for _, c := range SplitDocuments(f.Data) {
			checkSameJSON(t, c.Data)
		}
	}
}

func FuzzToJSONMatchesReference(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 4096 {
			return
		}
		checkSameJSON(t, doc)
	})
}

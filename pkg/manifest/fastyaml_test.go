package manifest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/meshbatch/meshbatch/internal/corpusgen"
)

// The fast path must read every document it accepts exactly as the yaml.v3
// path does: the same tree (kinds, texts, styles, tags), the same JSON under
// every limit, the same objects. These tests hold it to that on every YAML
// file of the repository, the shared corpus of real manifests, generated
// corpora and hand-written edge cases; FuzzFastPath on arbitrary bytes.

// fastEdgeCases are documents at the edges of the subset, accepted or not.
var fastEdgeCases = []string{
	"a: 1\n",
	"a: 1",
	"a:\n",
	"a:",
	"a: \n",
	"a: # c\n",
	"a: b # c\n",
	"a: b#c\n",
	"a: b  \n",
	"a: 'b' # c\n",
	"a: 'b'# c\n",
	"a: \"b\"#c\n",
	"a: b\n  c\n",
	"a: b\n# c\n  d\n",
	"a: b\n  # c\nd: e\n",
	"a: b\n    # c\n",
	"a: 'b\n  c'\n",
	"a: \"b\\\n  c\"\n",
	"  a: 1\n  b: 2\n",
	"  a: 1\nb: 2\n",
	"a:\n  b: 1\n c: 2\n",
	"a:\n    b: 1\n  c: 2\n",
	"a:\n- 1\n- 2\nb: 3\n",
	"a:\n  - 1\n  - 2\nb: 3\n",
	"a:\n  - 1\n  b: 3\n",
	"a:\n- b: 1\n  c:\n  - x\n  - y\n- d: 2\ne: 3\n",
	"a:\n  - b: 1\n    c: 2\n  - - x\n",
	"a:\n  -\n    b: 1\n  -\n  - c\n",
	"a:\n  - # c\n    b: 1\n",
	"a:\n  -   b: 1\n      c: 2\n",
	"a:\n  - b: 1\n     c: 2\n",
	"a:\n  - b:\n    - c\n",
	"a:\n  - b:\n  - c\n",
	"- a\n- b\n",
	"a\n",
	"'a'\n",
	"a: b: c\n",
	"a: - b\n",
	"a: ? b\n",
	"? a\n: b\n",
	"a: &x b\nc: *x\n",
	"a: !!str 1\n",
	"a: !foo b\n",
	"<<: {a: 1}\n",
	"a: <<\n",
	"'<<': 1\n",
	"%YAML 1.2\n---\na: 1\n",
	"a: 1\n...\n",
	"a:\tb\n",
	"a: b\t\n",
	"\ta: b\n",
	"a:\n\t- b\n",
	"a: |\n  x\n\ty\n",
	"a: |\n  x\n  \ty\n",
	"a: |\n\tx\n",
	"a: 'x\ty'\n",
	"a: \"x\ty\"\n",
	"a: x\r\nb: y\r\n",
	"a: |\r\n  x\r\n  y\r\n",
	"a: x\rb: y\n",
	"a: \u0085\n",
	"a: b\u2028c\n",
	"a: \ufeffb\n",
	"\ufeffa: b\n",
	"a: \x7f\n",
	"a: \xff\n",
	"a: ünïcödé €\n",
	"a: 'it''s'\n",
	"a: ''''\n",
	"a: ''\n",
	"a: \"\"\n",
	"a: \"\\\"\\\\\\/\"\n",
	"a: \"\\0\\a\\b\\t\\\t\\n\\v\\f\\r\\e\\ \\\"\\'\\\\\\N\\_\\L\\P\"\n",
	"a: \"\\x41\\u00e9\\U0001F600\"\n",
	"a: \"\\xzz\"\n",
	"a: \"\\uD800\"\n",
	"a: \"\\U00110000\"\n",
	"a: \"\\UFFFFFFFF\"\n",
	"a: \"\\q\"\n",
	"a: \"\\u12\"",
	"a: \"x\n",
	"a: 'x\n",
	"a: \"x\" y\n",
	"a: 'x' : y\n",
	"'a': 1\n\"b\": 2\n",
	"'a':1\n",
	"\"a\":1\n",
	"a b: c d\n",
	"a : b\n",
	"a:b\n",
	"a:b: c\n",
	"a: b:c\n",
	"a: b :c\n",
	"http://x: y\n",
	"a: http://x\n",
	"a: -1\nb: --x\nc: -\n",
	"a: ?x\n",
	"a: :x\n",
	"a: ,x\n",
	"a: x,y]{}\n",
	"a: [x, y]\n",
	"a: [x,y]\n",
	"a: [ x , y ]\n",
	"a: []\nb: {}\nc: [ ]\nd: { }\n",
	"a: [x, [y, z], {p: q}]\n",
	"a: {p: q, r: [s]}\n",
	"a: {p: q, p: r}\n",
	"a: {p: , q: r}\n",
	"a: {p}\n",
	"a: {p: q}, x\n",
	"a: [x, y] # c\n",
	"a: [x, y]# c\n",
	"a: [x, y] z\n",
	"a: [x,\n  y]\n",
	"a: [x, ]\n",
	"a: [, x]\n",
	"a: [x: y]\n",
	"a: [x:y]\n",
	"a: {x:y}\n",
	"a: {\"x\":y}\n",
	"a: {\"x\": y}\n",
	"a: ['x', \"y\"]\n",
	"a: [-1, -x, -]\n",
	"a: [x #c]\n",
	"a: [x#c]\n",
	"a: [a b, c d]\n",
	"a: [?x]\n",
	"a: [x?]\n",
	"a: [[[[]]]]\n",
	"a: {b: {c: {}}}\n",
	"a:\n  {}\n",
	"{a: 1}\n",
	"{ \"holdApplicationUntilProxyStarts\": true }",
	"{ \"holdApplicationUntilProxyStarts\": true, \"proxyMetadata\": {\"A\": \"1\"} }\n",
	"{\"a\":1}\n",
	"{a: 1}\nb: 2\n",
	" {a: 1}\n",
	"{a: 1} # c\n",
	"{a: 1}# c\n",
	"{}\n",
	"[a]\n",
	"{a: 1,\n b: 2}\n",
	"- é: 1\n  b: 2\n",
	"a: {é: 1, b: [ü, x]}\n",
	"é: [x, 'ü', y]\nb:\n- ü\n-\n- x\n",
	"a:\n-\n- # c\n-   \n- x\n",
	"a:\n  -\n  -\nb: 1\n",
	"a:\n  - - x\n",
	"a: 1\n# c\n\n   # d\nb:\n  c: |\n    x\n  d: >-\n    y\n  e: [1]\n  f:\n  - {g: h}\n",
	"a:\n  [x, y]\nb: 1\n",
	"a:\n  {}\n  b: 1\n",
	"a:\n  {b: 1}: 2\n",
	"a:\n- [x]\n- {}\n",
	"a:\n  -\n    [x]\n",
	"a:\n  {b: 1,\n  c: 2}\n",
	"a: |\n  x\n  y\n",
	"a: |-\n  x\n  y\n",
	"a: |+\n  x\n  y\n\n\nb: 1\n",
	"a: >\n  x\n  y\n\n  z\n   w\n  v\n",
	"a: >-\n  x\n\n\n  y\n",
	"a: >+\n  x\n",
	"a: |2\n   x\n",
	"a: |-2\n   x\n",
	"a: | # c\n  x\n",
	"a: |# c\n  x\n",
	"a: | x\n",
	"a: |\n",
	"a: |\nb: 1\n",
	"a: |\n\n  x\n",
	"a: |\n      \n  x\n",
	"a: |\n  x\n      \n  y\n",
	"a: |\n  x\n\n",
	"a: |\n  x",
	"a: |-\n  x\n  ",
	"a: |\n  x\n # c\nb: 1\n",
	"a: |\n    x\n  y\n",
	"a: |\n  # not a comment\n",
	"a: >\n   x\n  y\n",
	"a: >\n  x\n   y\n  z\n",
	"a:\n  - |\n    x\n  - >-\n    y\n",
	"a:\n- |\n  x\n- y\n",
	"a:\n  b: |\n   x\n  c: 1\n",
	"a: 1\na: 2\n",
	"a: {b: 1, b: 2}\n",
	"a:\n  b: 1\n  \"b\": 2\n",
	"a: ~\nb: null\nc: Null\nd: NULL\ne: nul\nf:\n",
	"a: true\nb: True\nc: TRUE\nd: false\ne: False\nf: FALSE\ng: tRue\nh: yes\ni: on\nj: y\n",
	"a: 0\nb: -0\nc: +0\nd: 007\ne: 0x1F\nf: 0o17\ng: 0b101\nh: 1_000\ni: +12\nj: -12\nk: 123456789012345678\nl: 1234567890123456789\nm: 99999999999999999999\n",
	"a: 1.5\nb: .5\nc: 5.\nd: 1e3\ne: 1E+3\nf: -1.5e-3\ng: .inf\nh: -.Inf\ni: .NaN\nj: 1.2.3\nk: .\nl: .x\n",
	"a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\nc: 2001-12-14 21:59:43.10\nd: 2001-1-1\n",
	"a: 500m\nb: 2048Mi\nc: 5s\nd: 10.20.0.10/32\ne: 1.16.5\nf: 0.5\ng: 1Gi\nh: 3000\ni: '3000'\nj: \"true\"\n",
	"a: 0xZZ\nb: 0b2\nc: 1__0\nd: _1\ne: 1_\nf: -0x1F\ng: -0o17\nh: -0b11\ni: +0x1\nj: 0X1F\n",
	"a: -\n",
	"a: !\n",
	"a: @x\n",
	"a: `x\n",
	"a: %x\n",
	"a: |\n  x\n---\n",
	"---x: 1\n",
	"...x: 1\n",
	"a: x\n--- \n",
	"# only a comment\n",
	"",
	"\n\n",
	"a: 1\n\n\n# end\n\n",
	"a:\n  # c\n  b: 1\n",
	"a:\n# c\n  b: 1\n",
	"a:\n  b: 1\n# c\n  c: 2\n",
	"a:\n  - 1\n  # c\n  - 2\n",
	"a:\n  - 1\n# c\n  - 2\nb: 1\n",
	"a: # c\n  - 1\n",
	"a:\n  - # c\n  - 1\n",
	"a:\n  - - 1\n",
	"a:\n  - b: 1\n    # c\n    c: 2\n",
	"a:\n  - b: 1\n  # c\n    c: 2\n",
	"a:\n- b\n  c\n",
	"a:\n- b\n -c\n",
	"a: b\n-c\n",
	"a: 'b'\n  c: d\n",
	strings.Repeat("k", 1100) + ": v\n",
	"'" + strings.Repeat("k", 1100) + "': v\n",
	"a: " + strings.Repeat("v", 5000) + "\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: 1, b: ~, c: [d], e: 'f'}\n  annotations:\n    a: |\n      x\n",
	"apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: 5\n  namespace: null\n  labels: {a: 1, a: 2, b: ~}\n  annotations: []\n",
	"apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: a\n  name: b\n",
	"apiVersion: example.com/v1\nkind: Widget\nmetadata: {}\n",
	"apiVersion: example.com/v1\nkind: Widget\nmetadata: x\n",
	"apiVersion: example.com/v1\nkind: WidgetList\nitems: []\n",
	"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n",
	"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\nautomountServiceAccountToken: yes\n",
	"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\nbogus: 1\n",
	"apiVersion: 1\nkind: ServiceAccount\n",
	"apiVersion: ''\nkind: ServiceAccount\n",
	"apiVersion: v2\nkind: ServiceAccount\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: .inf}\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: 1.0}\n",
	"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: x, trafficPolicy: {tls: {mode: SIMPLE}}}\n",
	"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: x, trafficPolicy: {tls: {mode: BOGUS}}}\n",
	"apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: a}\nspec:\n  hosts: [x]\n  ports:\n  - number: 5432\n    name: tcp\n    protocol: TCP\nstatus: {}\n",
}

// fastLimits are the limits every case is compared under: the defaults,
// and small ones that make the converter refuse what the fast path must
// then decline.
var fastLimits = []Limits{{}, {MaxDepth: 3, MaxNodes: 20}, {MaxDepth: 1, MaxNodes: 5}}

// checkFast compares the fast path with the yaml.v3 path on one document
// and reports whether the fast path accepted it under the default limits.
func checkFast(t testing.TB, doc []byte) bool {
	t.Helper()
	accepted := false
	for li, lim := range fastLimits {
		lim = lim.withDefaults()
		var p fastParser
		if !p.parse(doc, lim) {
			continue
		}
		n, err := ParseNode(doc)
		if err != nil || n == nil {
			t.Fatalf("fast path accepted %q, yaml.v3 says %v", doc, err)
		}
		if msg := p.compare(0, n); msg != "" {
			t.Fatalf("fast path read %q differently: %s", doc, msg)
		}
		if li == 0 {
			tree := newPosTree(n)
			if got := p.posTree(); !reflect.DeepEqual(got, tree) {
				t.Fatalf("position tree of %q:\n got %+v\nwant %+v", doc, *got, *tree)
			}
			var ps []string
			paths(n, "", 0, &ps)
			for _, path := range ps {
				if got, want := p.locate(path), tree.locate(path); got != want {
					t.Fatalf("%q: path %q: the parser's nodes say %+v, the tree %+v", doc, path, got, want)
				}
			}
		}
		want, werr := toJSON(n, lim)
		got, ok := p.appendJSON(nil, 0)
		if ok && werr != nil {
			t.Fatalf("%q (limits %+v): fast path wrote %s, converter says %v", doc, lim, got, werr)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("%q (limits %+v):\n fast %s\nslow %s", doc, lim, got, want)
		}
		js, err := YAMLToJSON(doc, lim)
		wjs, werr := slowYAMLToJSON(doc, lim)
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() || !bytes.Equal(js, wjs) {
			t.Fatalf("YAMLToJSON(%q, %+v) = %s, %v; yaml.v3 path %s, %v", doc, lim, js, err, wjs, werr)
		}
		if li == 0 {
			accepted = true
			checkFastDecode(t, &p, doc)
		}
	}
	return accepted
}

// fastDecodes counts, for known kinds the JSON path decodes, how often the
// direct decoder did too.
var fastDecodes struct{ tried, taken int }

// checkFastDecode compares the direct decoder with the JSON path: what it
// decodes must equal what sigs.k8s.io/json and protojson make of the JSON.
func checkFastDecode(t testing.TB, p *fastParser, doc []byte) {
	t.Helper()
	av, kd := p.child(0, "apiVersion"), p.child(0, "kind")
	if !p.isStr(av) || !p.isStr(kd) {
		return
	}
	k, known, err := lookupKind(p.str(av), p.str(kd))
	if !known || err != nil {
		return
	}
	got, ok := k.fast(p)
	js, jok := p.appendJSON(nil, 0)
	if !jok {
		if ok {
			t.Fatalf("direct decoder took %q, which has no JSON", doc)
		}
		return
	}
	want, derr := k.decode(js)
	if derr == nil {
		fastDecodes.tried++
		if ok {
			fastDecodes.taken++
		}
	}
	if !ok {
		return
	}
	if derr != nil {
		t.Fatalf("direct decoder took %q, the JSON path says %s", doc, derr.msg)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("direct decoder read %q as\n%+v\nthe JSON path as\n%+v", doc, got, want)
	}
}

// slowYAMLToJSON is YAMLToJSON without the fast path.
func slowYAMLToJSON(data []byte, lim Limits) ([]byte, error) {
	n, err := ParseNode(data)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return []byte("null"), nil
	}
	if err := CheckAliases(n); err != nil {
		return nil, err
	}
	return toJSON(n, lim)
}

// compare checks the subtree at i against yaml.v3's node, "" if they agree.
func (p *fastParser) compare(i int, n *yaml.Node) string {
	f := &p.nodes[i]
	switch f.kind {
	case fScalar:
		if n.Kind != yaml.ScalarNode {
			return fmt.Sprintf("scalar %q, yaml.v3 has a %s", p.text(f), kindName(n.Kind))
		}
		if string(p.text(f)) != n.Value {
			return fmt.Sprintf("scalar %q, yaml.v3 has %q", p.text(f), n.Value)
		}
		styles := map[fstyle]yaml.Style{fPlain: 0, fSingle: yaml.SingleQuotedStyle, fDouble: yaml.DoubleQuotedStyle, fLiteral: yaml.LiteralStyle, fFolded: yaml.FoldedStyle}
		if styles[f.style] != n.Style {
			return fmt.Sprintf("scalar %q in style %d, yaml.v3 %d", p.text(f), f.style, n.Style)
		}
		want := n.ShortTag()
		got := "!!str"
		if f.style == fPlain {
			got = map[int]string{tagStr: "!!str", tagNull: "!!null", tagBool: "!!bool", tagInt: "!!int", tagOther: want}[plainTag(p.text(f))]
		}
		if got != want || want == "!!merge" {
			return fmt.Sprintf("scalar %q tagged %s, yaml.v3 %s", p.text(f), got, want)
		}
		return ""
	case fSeq:
		if n.Kind != yaml.SequenceNode {
			return fmt.Sprintf("list, yaml.v3 has a %s", kindName(n.Kind))
		}
		c := 0
		for j := i + 1; j < int(f.next); j = int(p.nodes[j].next) {
			if c >= len(n.Content) {
				return "list longer than yaml.v3's"
			}
			if msg := p.compare(j, n.Content[c]); msg != "" {
				return msg
			}
			c++
		}
		if c != len(n.Content) {
			return fmt.Sprintf("list of %d, yaml.v3 %d", c, len(n.Content))
		}
		return ""
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Sprintf("mapping, yaml.v3 has a %s", kindName(n.Kind))
	}
	c := 0
	for k := i + 1; k < int(f.next); k = int(p.nodes[k+1].next) {
		if c+1 >= len(n.Content) {
			return "mapping longer than yaml.v3's"
		}
		if msg := p.compare(k, n.Content[c]); msg != "" {
			return "key: " + msg
		}
		if msg := p.compare(k+1, n.Content[c+1]); msg != "" {
			return msg
		}
		c += 2
	}
	if c != len(n.Content) {
		return fmt.Sprintf("mapping of %d entries, yaml.v3 %d", c/2, len(n.Content)/2)
	}
	return ""
}

// checkReadDocument compares ReadDocument with the yaml.v3 path alone.
func checkReadDocument(t testing.TB, c Chunk) {
	t.Helper()
	lim := Limits{}.withDefaults()
	r := docReader{file: "in.yaml", doc: 3, chunk: c, lim: lim}
	wantObjs, wantProbs := r.slow()
	gotObjs, gotProbs := ReadDocument("in.yaml", 3, c, Limits{})
	if !reflect.DeepEqual(gotProbs, wantProbs) {
		t.Fatalf("%q: problems %v, yaml.v3 path %v", c.Data, gotProbs, wantProbs)
	}
	if !reflect.DeepEqual(gotObjs, wantObjs) {
		for i := range min(len(gotObjs), len(wantObjs)) {
			if !reflect.DeepEqual(gotObjs[i], wantObjs[i]) {
				t.Fatalf("%q: object %d\n got %+v\nwant %+v", c.Data, i, *gotObjs[i], *wantObjs[i])
			}
		}
		t.Fatalf("%q: %d objects, yaml.v3 path %d", c.Data, len(gotObjs), len(wantObjs))
	}
}

// repoYAML returns every YAML file of the repository (testdata, examples,
// docs), and of the shared corpus of real manifests when it is there.
func repoYAML(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, root := range []string{"../..", "../../../shared/corpus"} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() && (d.Name() == ".git" || d.Name() == ".cache" || d.Name() == "node_modules") {
				return fs.SkipDir
			}
			switch filepath.Ext(p) {
			case ".yaml", ".yml", ".json":
			default:
				if !strings.Contains(p, "testdata") || d.IsDir() {
					return nil
				}
			}
			if data, err := os.ReadFile(p); err == nil && len(data) < 4<<20 {
				files[p] = data
			}
			return nil
		})
	}
	return files
}

func TestFastPathEdgeCases(t *testing.T) {
	for _, c := range append(fastEdgeCases, jsonCases...) {
		checkFast(t, []byte(c))
		checkReadDocument(t, Chunk{Data: []byte(c), StartLine: 7, Offset: 11})
	}
	for _, c := range locateCases {
		checkFast(t, []byte(c))
	}
}

// The fast path takes what it should: a check that the cases meant for it
// do not silently fall back.
func TestFastPathAccepts(t *testing.T) {
	for _, c := range []string{
		"a: 1\n", "a: b # c\n", "a:\n- 1\n- 2\nb: 3\n", "a:\n  - b: 1\n    c: [x, {y: z}]\n",
		"a: |\n  x\n  y\n", "a: >-\n  x\n\n  y\n", "a: 'it''s'\nb: \"\\u00e9\\n\"\n", "a: x\r\nb: y\r\n",
		"a: |\n  x\n  \ty\n", "a:\n  {}\n", "a: 1.5\nb: 2001-12-14\nc: 0x1F\n", "  a: 1\n  b: 2\n",
	} {
		var p fastParser
		if !p.parse([]byte(c), Limits{}.withDefaults()) {
			t.Errorf("fast path declined %q", c)
		}
	}
}

func TestFastPathRepoFiles(t *testing.T) {
	files := repoYAML(t)
	if len(files) < 100 {
		t.Fatalf("only %d YAML files found", len(files))
	}
	docs, fast := 0, 0
	for name, data := range files {
		data = NormalizeLineBreaks(bytes.Clone(data))
		for _, c := range SplitDocuments(data) {
			docs++
			if checkFast(t, c.Data) {
				fast++
			}
			checkReadDocument(t, c)
		}
		_ = name
	}
	t.Logf("%d files, %d documents, %d (%.1f%%) taken by the fast path", len(files), docs, fast, 100*float64(fast)/float64(docs))
}

// TestFastPathShare: the fast path is only worth having if it takes nearly
// every document of the input it is for: generated manifests and
// Helm-style output.
func TestFastPathShare(t *testing.T) {
	share := func(name string, data [][]byte) {
		docs, fast := 0, 0
		var declined []string
		for _, d := range data {
			for _, c := range SplitDocuments(d) {
				docs++
				if checkFast(t, c.Data) {
					fast++
				} else if len(declined) < 5 {
					declined = append(declined, string(c.Data))
				}
				checkReadDocument(t, c)
			}
		}
		pct := 100 * float64(fast) / float64(docs)
		t.Logf("%s: %d of %d documents (%.2f%%) taken by the fast path", name, fast, docs, pct)
		if pct < 99 {
			t.Errorf("%s: the fast path takes only %.2f%% of the documents; declined, for example:\n%s", name, pct, strings.Join(declined, "\n---\n"))
		}
	}
	fastDecodes.tried, fastDecodes.taken = 0, 0
	var gen [][]byte
	for _, f := range corpusgen.Generate(corpusgen.Options{Objects: 2000}) {
		gen = append(gen, f.Data)
	}
	share("corpusgen 2000", gen)
	goldens, _ := filepath.Glob("../generate/testdata/*/want.yaml")
	if len(goldens) == 0 {
		t.Fatal("no generate goldens found")
	}
	var gd [][]byte
	for _, g := range goldens {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		gd = append(gd, data)
	}
	share("generate goldens", gd)
	t.Logf("direct decoder: %d of %d objects of known kinds", fastDecodes.taken, fastDecodes.tried)
	if fastDecodes.taken < fastDecodes.tried*99/100 {
		t.Errorf("the direct decoder takes only %d of %d objects", fastDecodes.taken, fastDecodes.tried)
	}
}

func FuzzFastPath(f *testing.F) {
	for _, c := range fastEdgeCases {
		f.Add([]byte(c))
	}
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	seedFiles(f, 8<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			return
		}
		checkFast(t, data)
		checkReadDocument(t, Chunk{Data: data, StartLine: 2, Offset: 4})
	})
}

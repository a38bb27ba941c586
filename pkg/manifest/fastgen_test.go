package manifest

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/meshbatch/meshbatch/internal/corpusgen"
)

// docGen writes random YAML documents close to the fast path's subset, in
// and just out of it: nested block mappings and lists at random
// indentation, indentless lists, scalars of every type and style, block
// scalars with odd indentation and blank lines, flow collections, comments
// and blank lines anywhere, CRLF, and now and then a tab, a wrong indent or
// a token the fast path must decline. Its choices come from a byte string,
// so that the fuzzer can steer it.
type docGen struct {
	src   []byte
	i     int
	rnd   *rand.Rand // after src runs out
	b     strings.Builder
	crlf  bool
	wild  bool // tokens and layouts the fast path must decline, now and then
	nodes int
}

func (g *docGen) n(k int) int {
	if g.i < len(g.src) {
		g.i++
		return int(g.src[g.i-1]) % k
	}
	return g.rnd.IntN(k)
}

func (g *docGen) pick(s []string) string { return s[g.n(len(s))] }

func (g *docGen) nl() {
	// now and then a trailing space, a comment, a blank or comment line
	switch g.n(24) {
	case 0:
		g.b.WriteString(" ")
	case 1:
		g.b.WriteString(" # c")
	}
	if g.crlf {
		g.b.WriteString("\r")
	}
	g.b.WriteString("\n")
	switch g.n(16) {
	case 0:
		g.b.WriteString(strings.Repeat(" ", g.n(8)) + "\n")
	case 1:
		g.b.WriteString(strings.Repeat(" ", g.n(10)) + "# comment: x\n")
	case 2:
		g.b.WriteString("#\n")
	}
}

var (
	genKeys    = []string{"a", "b", "name", "image", "a b", "http://x", "-x", "on", "y", "1", "true", "~", "null", "a#b", "a:b", "é", "x.y/z", "'a'", "\"b\"", "'it''s'", "\"q\\\"\"", "\"\\u00e9\"", "''", "\"\"", "a "}
	genBadKeys = []string{"<<", "? a", "&x a", "!t a", "a\tb", "[a]", "*a", "- a", "a: b", "'a", "\"a\nb"}
)

func (g *docGen) key() string {
	if g.wild && g.n(20) == 0 {
		return g.pick(genBadKeys)
	}
	return g.pick(genKeys)
}

var genPlain = []string{"x", "hello world", "500m", "2048Mi", "5s", "10.20.0.10/32", "1.16.5", "0.5", "3000", "-1", "+3", "-0", "007",
	"0x1F", "0o17", "0b101", "1_000", "1e3", ".5", ".inf", "-.Inf", ".NaN", "true", "False", "TRUE", "yes", "on", "~", "null", "Null",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "99999999999999999999", "123456789012345678",
	"http://a.b:80/c?d=e#f", "a#b", "a:b", "--flag=1", "a ,b", "x]", "é€", "a # b", "1.0", "0", "1234567890123456789", "[x]", "{}"}

var genBadPlain = []string{"-", "{x", "<<", "a: b", "*x", "&x y", "!x y", "|", ">", "%x", "@x", "`x", "a\tb", "? x", ": x", "x:", "'x' y"}

var genQuoted = []string{"''", "\"\"", "'x'", "'it''s'", "' a '", "\"a\\nb\"", "\"\\t\\\"\\\\\"", "\"\\x41\\u00e9\\U0001F600\"", "\"\\0\\e\\N\\_\"",
	"'#'", "\"a: b\"", "'a\tb'", "\"\\/\"", "\"\\q\"", "'x", "\"x", "\"\\uD800\""}

func (g *docGen) scalar(flow bool) string {
	if g.n(3) == 0 {
		if g.wild {
			return g.pick(genQuoted)
		}
		return g.pick(genQuoted[:12])
	}
	if g.wild && g.n(20) == 0 {
		return g.pick(genBadPlain)
	}
	if flow && !g.wild {
		return g.pick(genFlowPlain)
	}
	return g.pick(genPlain)
}

// genFlowPlain are plain scalars without the characters whose meaning
// changes inside flow collections.
var genFlowPlain = []string{"x", "1", "true", "a b", "-1", "~", "x y z", "500m", "0.5", ".inf", "null", "2001-12-14", "é€", "--flag=1", "0x1F", "a.b/c"}

func (g *docGen) flow(depth int) string {
	g.nodes++
	if depth > 3 || g.n(3) == 0 {
		return g.scalar(true)
	}
	isMap := g.n(2) == 0
	var parts []string
	for range g.n(4) {
		// a list item that is a pair, or a mapping entry without one, is
		// valid YAML the fast path declines
		if isMap != (g.wild && g.n(8) == 0) {
			colon := ": "
			if g.wild {
				colon = g.pick([]string{": ", ":", " : "})
			}
			parts = append(parts, g.pick(genKeys[:12])+colon+g.flow(depth+1))
		} else {
			parts = append(parts, g.flow(depth+1))
		}
	}
	sep := g.pick([]string{", ", ",", " , "})
	if !isMap {
		return "[" + strings.Join(parts, sep) + "]"
	}
	return "{" + strings.Join(parts, sep) + "}"
}

func (g *docGen) blockScalar(indent int) {
	headers := []string{"|", ">", "|-", ">-", "|+", ">+", "| # c", "|2", "|#c", "| x"}
	if !g.wild {
		headers = headers[:7]
	}
	g.b.WriteString(g.pick(headers))
	if g.crlf {
		g.b.WriteString("\r")
	}
	g.b.WriteString("\n") // a comment line here would be content
	in := indent + 1 + g.n(3)
	cases := 6
	if g.wild {
		cases = 8
	}
	for range g.n(6) {
		switch g.n(cases) {
		case 0:
			g.b.WriteString("\n")
		case 1:
			g.b.WriteString(strings.Repeat(" ", g.n(in+3)) + "\n")
		case 2:
			g.b.WriteString(strings.Repeat(" ", in) + "# not a comment\n")
		case 6:
			g.b.WriteString(strings.Repeat(" ", in+1+g.n(3)) + "more indented\n")
		case 7:
			g.b.WriteString(strings.Repeat(" ", in) + "\ttab inside\n")
		default:
			g.b.WriteString(strings.Repeat(" ", in) + g.pick([]string{"line", "two words", "a: b", "- x", "'q'", "é"}) + "\n")
		}
	}
}

// value writes what follows "key:" or "-" in a collection at column indent.
func (g *docGen) value(indent, depth int, inMap bool) {
	g.nodes++
	if depth > 6 || g.nodes > 80 {
		g.b.WriteString(" " + g.scalar(false))
		g.nl()
		return
	}
	switch g.n(10) {
	case 0, 1, 2:
		g.b.WriteString(" " + g.scalar(false))
		g.nl()
	case 3:
		g.b.WriteString(" ")
		g.blockScalar(indent)
	case 4:
		g.b.WriteString(" " + g.flow(0))
		g.nl()
	case 5: // null
		g.nl()
	case 6: // a list, indentless after a key half of the time
		g.nl()
		in := indent + 1 + g.n(4)
		if inMap && g.n(2) == 0 {
			in = indent
		}
		g.seq(in, depth+1)
	case 7:
		g.nl()
		g.b.WriteString(strings.Repeat(" ", indent+1+g.n(4)) + g.flow(0))
		g.nl()
	default:
		g.nl()
		g.mapping(indent+1+g.n(4), depth+1, false)
	}
}

func (g *docGen) mapping(indent, depth int, compact bool) {
	for i := range 1 + g.n(5) {
		if i > 0 || !compact {
			g.b.WriteString(strings.Repeat(" ", indent))
			if g.wild && g.n(30) == 0 {
				g.b.WriteString(g.pick([]string{" ", "\t", "- "}))
			}
		}
		g.b.WriteString(g.key() + g.pick([]string{":", ":", ":", ":", ":", ":", " :", "::"}))
		g.value(indent, depth, true)
	}
}

func (g *docGen) seq(indent, depth int) {
	for range 1 + g.n(4) {
		g.b.WriteString(strings.Repeat(" ", indent) + "-")
		switch g.n(5) {
		case 0:
			g.b.WriteString(strings.Repeat(" ", 1+g.n(3)))
			g.mapping(g.b.Len()-strings.LastIndexByte(g.b.String(), '\n')-1, depth+1, true)
		case 1:
			if g.wild && g.n(4) == 0 {
				g.b.WriteString(" - x")
				g.nl()
				continue
			}
			fallthrough
		default:
			g.value(indent, depth, false)
		}
	}
}

// genDoc makes one document from src (and seed once src runs out).
func genDoc(src []byte, seed uint64) string {
	doc, _ := genDocWild(src, seed)
	return doc
}

func genDocWild(src []byte, seed uint64) (string, bool) {
	g := &docGen{src: src, rnd: rand.New(rand.NewPCG(seed, 1))}
	g.crlf = g.n(10) == 0
	g.wild = g.n(3) == 0
	switch g.n(4) {
	case 0:
		g.b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	case 1:
		g.b.WriteString("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  labels:\n")
		g.mapping(4, 2, false)
	}
	root := 0
	if g.b.Len() == 0 && g.n(4) == 0 {
		root = 2
	}
	g.mapping(root, 0, false)
	return g.b.String(), g.wild
}

func TestFastPathGenerated(t *testing.T) {
	n := 8000
	if testing.Short() {
		n = 2000
	}
	accepted := 0
	for seed := range n {
		doc := []byte(genDoc(nil, uint64(seed)))
		if checkFast(t, doc) {
			accepted++
		}
		checkReadDocument(t, Chunk{Data: doc, StartLine: 5, Offset: 9})
	}
	t.Logf("%d of %d generated documents taken by the fast path", accepted, n)
	if accepted < n/5 {
		t.Errorf("only %d of %d generated documents taken: the generator no longer tests the fast path", accepted, n)
	}
}

// FuzzFastPathGen lets the fuzzer steer docGen, for documents close to the
// subset, which random bytes seldom are.
func FuzzFastPathGen(f *testing.F) {
	for i := range 20 {
		f.Add([]byte(genDoc(nil, uint64(i)))[:i])
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 4096 {
			return
		}
		doc := []byte(genDoc(src, uint64(len(src))))
		checkFast(t, doc)
		checkReadDocument(t, Chunk{Data: doc, StartLine: 1})
	})
}

// mutationBases are documents of every kind meshbatch decodes, from the
// generated corpus and the generate goldens, for mutateDoc.
var mutationBases = sync.OnceValue(func() [][]byte {
	var docs [][]byte
	seen := map[string]bool{}
	add := func(data []byte) {
		for _, c := range SplitDocuments(data) {
			var p fastParser
			if !p.parse(c.Data, Limits{}.withDefaults()) {
				continue
			}
			kind := p.str(p.child(0, "kind"))
			if !seen[kind] || len(docs) < 200 {
				seen[kind] = true
				docs = append(docs, c.Data)
			}
		}
	}
	for _, f := range corpusgen.Generate(corpusgen.Options{Objects: 400}) {
		add(f.Data)
	}
	goldens, _ := filepath.Glob("../generate/testdata/*/want.yaml")
	for _, g := range goldens {
		if data, err := os.ReadFile(g); err == nil {
			add(data)
		}
	}
	return docs
})

// mutationValues replace a value: other types, nulls, numbers JSON or the
// types cannot hold, quoted numbers, collections where scalars belong.
var mutationValues = []string{"1", "\"1\"", "1.5", "true", "\"true\"", "null", "~", "", "[]", "{}", "[a]", "{a: 1}", "-1",
	"99999999999999999999", "0x10", "1e3", "\"500m\"", "500m", "x", "2001-12-14", ".inf", "'a'", "yes", "\"\\u00e9\"", "TRUE",
	"-0", "+1", "0o17", "1_000", "3000000000", "-3000000000", "1.0", "0.5Gi", "\"\"", "[1, 2]", "[\"a\", 1]", "{a: b, c: [d]}",
	"2147483648", "65536", "-2147483649", "|\n    x\n", ">-\n    y\n", "[null]", "{a: null}", "0", "'0'", "abc==", "YWJj"}

// mutateDoc changes base in ways steered by src: values, keys (renamed,
// recased, unknown), lines duplicated or dropped.
func mutateDoc(base []byte, src []byte) []byte {
	lines := strings.SplitAfter(string(base), "\n")
	for i := 0; i+3 <= len(src); i += 3 {
		l := int(src[i+1]) * 7 % len(lines)
		line := lines[l]
		ind := len(line) - len(strings.TrimLeft(line, " -"))
		colon := strings.Index(line, ": ")
		switch src[i] % 6 {
		case 0, 1, 2: // a value
			v := mutationValues[int(src[i+2])%len(mutationValues)]
			if colon > 0 {
				lines[l] = line[:colon+2] + v + "\n"
			} else if strings.HasPrefix(strings.TrimLeft(line, " "), "- ") {
				lines[l] = line[:ind] + v + "\n"
			}
		case 3: // a key
			if colon > ind {
				key := line[ind:colon]
				switch src[i+2] % 3 {
				case 0:
					key = strings.ToUpper(key[:1]) + key[1:]
				case 1:
					key += "x"
				default:
					key = "status"
				}
				lines[l] = line[:ind] + key + line[colon:]
			}
		case 4:
			lines = append(lines[:l+1], lines[l:]...)
		case 5:
			if len(lines) > 1 {
				lines = append(lines[:l], lines[l+1:]...)
			}
		}
	}
	return []byte(strings.Join(lines, ""))
}

func TestFastPathMutated(t *testing.T) {
	bases := mutationBases()
	n := 6000
	if testing.Short() {
		n = 2000
	}
	r := rand.New(rand.NewPCG(1, 2))
	accepted, tried0, taken0 := 0, fastDecodes.tried, fastDecodes.taken
	for range n {
		src := make([]byte, 3*(1+r.IntN(4)))
		for i := range src {
			src[i] = byte(r.UintN(256))
		}
		doc := mutateDoc(bases[r.IntN(len(bases))], src)
		if checkFast(t, doc) {
			accepted++
		}
		checkReadDocument(t, Chunk{Data: doc, StartLine: 3, Offset: 7})
	}
	t.Logf("%d of %d mutated documents taken by the fast path; the direct decoder took %d of the %d the JSON path decodes",
		accepted, n, fastDecodes.taken-taken0, fastDecodes.tried-tried0)
}

// FuzzFastPathMutate lets the fuzzer mutate real manifests, for the direct
// decoder's type checks.
func FuzzFastPathMutate(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{5, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) == 0 || len(src) > 64 {
			return
		}
		bases := mutationBases()
		doc := mutateDoc(bases[int(src[0])%len(bases)], src[1:])
		checkFast(t, doc)
		checkReadDocument(t, Chunk{Data: doc, StartLine: 1})
	})
}

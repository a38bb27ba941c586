package baseline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/format"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// corpusDir holds real manifests shared by the worktrees (see its
// SOURCES.md); the test is skipped without it.
const corpusDir = "../../../shared/corpus"

// corpusFile is one file of the corpus cut into its documents, with what
// each document defines whose order in the input carries meaning (see
// groups).
type corpusFile struct {
	name    string
	docs    [][]byte
	objects [][]string
}

func readCorpus(t *testing.T) []corpusFile {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("no shared corpus at %s", corpusDir)
	}
	var files []corpusFile
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, p)
		f := corpusFile{name: filepath.ToSlash(rel)}
		chunks := []manifest.Chunk{{Data: data, StartLine: 1}}
		if filepath.Ext(p) != ".json" {
			chunks = manifest.SplitDocuments(data)
		}
		for i, c := range chunks {
			f.docs = append(f.docs, c.Data)
			objs, _ := manifest.ReadDocument(p, i, c, manifest.Limits{})
			var refs []string
			for _, o := range objs {
				refs = append(refs, o.Kind+" "+rules.NamespaceOf(o)+"/"+o.Name)
				if o.Kind == "PeerAuthentication" {
					refs = append(refs, "PeerAuthentications of "+rules.NamespaceOf(o))
				}
			}
			f.objects = append(f.objects, refs)
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("%d files in %s: not the corpus", len(files), corpusDir)
	}
	return files
}

// groups splits the corpus into inputs in which the order of documents
// carries no meaning. The corpus gathers test fixtures of several
// projects, and in one input some of their documents would compete: two
// definitions of one object (kind, namespace and name), where the later
// stands for the later apply, and PeerAuthentications of one namespace,
// where the first in the input stands for the oldest, which Istio
// applies (pkg/rules/peerauth.go). Reordering those changes what the
// input means, not just where its objects are; each group holds at most
// one of each.
func groups(files []corpusFile) [][]corpusFile {
	var out [][]corpusFile
	var defined []map[string]bool
	for _, f := range files {
		mine := map[string]bool{}
		for _, refs := range f.objects {
			for _, r := range refs {
				mine[r] = true
			}
		}
		g := slices.IndexFunc(defined, func(d map[string]bool) bool {
			for r := range mine {
				if d[r] {
					return false
				}
			}
			return true
		})
		if g < 0 {
			g = len(out)
			out, defined = append(out, nil), append(defined, map[string]bool{})
		}
		out[g] = append(out[g], f)
		for r := range mine {
			defined[g][r] = true
		}
	}
	return out
}

// writeTree writes files under a new directory, documents joined by
// "---" lines; with rng, up to two comment lines before each YAML
// document shift its lines.
func writeTree(t *testing.T, files []corpusFile, rng *rand.Rand) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		var b bytes.Buffer
		for i, d := range f.docs {
			if i > 0 {
				b.WriteString("---\n")
			}
			if !strings.HasSuffix(f.name, ".json") && rng != nil {
				b.WriteString(strings.Repeat("# moved\n", rng.IntN(3)))
			}
			b.Write(d)
			if !bytes.HasSuffix(d, []byte("\n")) {
				b.WriteString("\n")
			}
		}
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// reorder shuffles the documents of every file and moves those of most
// YAML files between them, into files of new names. Files stay whole
// where that would change their findings or what they mean: a JSON file
// (one document), a file with a finding that goes by its file (in keep:
// a document that is no object), and a file whose documents compete
// (see groups), which are shuffled keeping those documents in their
// order.
func reorder(files []corpusFile, keep map[string]bool, rng *rand.Rand) []corpusFile {
	var out []corpusFile
	var pool [][]byte
	for _, f := range files {
		order := rng.Perm(len(f.docs))
		competing := competingDocs(f)
		if len(competing) > 0 {
			// Put the competing documents back into the places the
			// shuffle gave them, in their order.
			k := 0
			for i, d := range order {
				if slices.Contains(competing, d) {
					order[i] = competing[k]
					k++
				}
			}
		}
		docs := make([][]byte, len(order))
		for i, d := range order {
			docs[i] = f.docs[d]
		}
		if keep[f.name] || strings.HasSuffix(f.name, ".json") || len(competing) > 0 {
			out = append(out, corpusFile{name: f.name, docs: docs})
			continue
		}
		pool = append(pool, docs...)
	}
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	for i := 0; len(pool) > 0; i++ {
		n := min(len(pool), 1+rng.IntN(8))
		out = append(out, corpusFile{name: fmt.Sprintf("moved/%02d/part-%03d.yaml", rng.IntN(10), i), docs: pool[:n]})
		pool = pool[n:]
	}
	return out
}

// competingDocs lists, in order, the documents of f that share what they
// define with another of its documents.
func competingDocs(f corpusFile) []int {
	count := map[string]int{}
	for _, refs := range f.objects {
		for _, r := range refs {
			count[r]++
		}
	}
	var out []int
	for i, refs := range f.objects {
		if slices.ContainsFunc(refs, func(r string) bool { return count[r] > 1 }) {
			out = append(out, i)
		}
	}
	return out
}

// TestCorpusWithItsOwnBaseline is the property behind the workflow: for
// the shared corpus, a lint with the baseline it wrote reports nothing,
// in every format, and no entry is stale, after any reordering of the
// documents (within their files, and across files of other names).
func TestCorpusWithItsOwnBaseline(t *testing.T) {
	all := readCorpus(t)
	opts := lint.Options{ListObjects: true}
	recorded := 0
	for g, files := range groups(all) {
		// Record, as --write-baseline does.
		m := (*Baseline)(nil).Matcher("baseline b.json", true)
		opts.Baseline = m
		res, err := runIn(writeTree(t, files, nil), opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Findings.Len() != 0 {
			t.Fatalf("group %d: recording showed %d findings", g, res.Findings.Len())
		}
		recorded += res.Baselined.Len()
		var file bytes.Buffer
		if err := m.Recorded().Write(&file); err != nil {
			t.Fatal(err)
		}
		base, err := Parse("b.json", file.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if base.Findings() != res.Baselined.Len() {
			t.Fatalf("group %d: the file records %d findings, the run baselined %d", g, base.Findings(), res.Baselined.Len())
		}
		// A finding without an object goes by its file, which keeps its
		// name (its documents only shuffle in place).
		keep := map[string]bool{}
		for f := range res.Baselined.All() {
			if f.Object.Kind == "" {
				keep[filepath.ToSlash(f.File)] = true
			}
		}

		for seed := range uint64(4) {
			rng := rand.New(rand.NewPCG(uint64(g), seed))
			opts.Baseline = base.Matcher("baseline b.json", false)
			res, err := runIn(writeTree(t, reorder(files, keep, rng), rng), opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Findings.Len() != 0 || len(res.Stale) != 0 || res.Failed(1) {
				for f := range res.Findings.All() {
					t.Errorf("group %d seed %d: shown %s:%d %s %s %s: %s", g, seed, f.File, f.Line, f.RuleID, f.Object, f.FieldPath, f.Message)
				}
				for _, s := range res.Stale {
					t.Errorf("group %d seed %d: stale %s", g, seed, s)
				}
				continue
			}
			if res.Baselined.Len() != base.Findings() {
				t.Errorf("group %d seed %d: %d baselined, the file records %d", g, seed, res.Baselined.Len(), base.Findings())
			}
			for _, name := range format.Names() {
				if err := reportsNothing(name, res); err != nil {
					t.Errorf("group %d seed %d: --format %s: %v", g, seed, name, err)
				}
			}
		}
	}
	if recorded < 50 {
		t.Errorf("%d findings in the corpus: is it the corpus?", recorded)
	}
}

// runIn lints "." from dir, so that file paths are relative and the same
// for files of the same name in every tree.
func runIn(dir string, opts lint.Options) (*lint.Result, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if err := os.Chdir(dir); err != nil {
		return nil, err
	}
	defer os.Chdir(wd)
	return lint.Run(context.Background(), []string{"."}, opts)
}

// reportsNothing checks that a report shows no finding and fails nothing.
func reportsNothing(name string, res *lint.Result) error {
	f, err := format.New(name, format.Options{FailOn: 1})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := f.Format(&buf, res); err != nil {
		return err
	}
	out := buf.String()
	switch name {
	case "text", "concise", "github":
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		counted := res.Baselined.Len() == 0 || regexp.MustCompile(fmt.Sprintf(`\b%d baselined\b`, res.Baselined.Len())).MatchString(lines[0])
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "0 errors, 0 warnings, 0 infos in ") || !counted {
			return fmt.Errorf("want only a summary of nothing but baselined findings:\n%s", out)
		}
	case "json":
		var rep struct {
			Findings []any
			Stale    []any
			Summary  struct{ Errors, Warnings, Infos, Baselined, Stale int }
		}
		if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
			return err
		}
		if s := rep.Summary; len(rep.Findings)+len(rep.Stale)+s.Errors+s.Warnings+s.Infos+s.Stale != 0 || s.Baselined != res.Baselined.Len() {
			return fmt.Errorf("findings %d, stale %d, summary %+v", len(rep.Findings), len(rep.Stale), s)
		}
	case "sarif":
		var log struct {
			Runs []struct {
				Results []struct {
					Suppressions []struct{ Justification string }
				}
			}
		}
		if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
			return err
		}
		for _, r := range log.Runs[0].Results {
			if len(r.Suppressions) == 0 {
				return fmt.Errorf("a result without a suppression")
			}
		}
	case "junit":
		if !strings.Contains(out, `<testsuites name="meshbatch" tests=`) || strings.Contains(out, "<failure") || !strings.Contains(out, `failures="0"`) {
			return fmt.Errorf("a failure in the JUnit report")
		}
	default:
		return fmt.Errorf("no check for this format: add one")
	}
	return nil
}

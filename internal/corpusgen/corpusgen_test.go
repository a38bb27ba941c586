package corpusgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func digest(files []File) string {
	h := sha256.New()
	for _, f := range files {
		h.Write([]byte(f.Name))
		h.Write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestDefaultCorpusUnchanged: hack/bench-compare.sh and the benchmarks
// cache corpora by a version number; the default corpus may only change
// with it (and this digest).
func TestDefaultCorpusUnchanged(t *testing.T) {
	const want = "e0539e057c3fe283b5b7c6a418fadb54ccc05f1245828e2dc8a43b60671ffd25"
	if got := digest(Generate(Options{Objects: 10_000})); got != want {
		t.Errorf("the 10,000-object corpus changed: digest %s, want %s; bump corpus_version in hack/bench-compare.sh and corpusVersion in pkg/lint/bench_test.go, then this digest", got, want)
	}
}

// TestFindingsHeavy: the findings-heavy corpus has the same files and
// kinds, differs from the default one, and is a prefix of a larger one.
func TestFindingsHeavy(t *testing.T) {
	def := Generate(Options{Objects: 2_000})
	heavy := Generate(Options{Objects: 2_000, FindingsHeavy: true})
	larger := Generate(Options{Objects: 3_000, FindingsHeavy: true})
	if len(heavy) != len(def) {
		t.Fatalf("%d files, want %d as in the default corpus", len(heavy), len(def))
	}
	same := 0
	for i := range heavy {
		if heavy[i].Name != def[i].Name || bytes.Count(heavy[i].Data, []byte("\nkind: ")) != bytes.Count(def[i].Data, []byte("\nkind: ")) {
			t.Fatalf("file %d: %s differs in name or documents from %s", i, heavy[i].Name, def[i].Name)
		}
		if bytes.Equal(heavy[i].Data, def[i].Data) {
			same++
		}
		if !bytes.Equal(heavy[i].Data, larger[i].Data) {
			t.Fatalf("%s: not a prefix of the larger corpus", heavy[i].Name)
		}
	}
	if same > len(heavy)/10 {
		t.Errorf("%d of %d files are as in the default corpus", same, len(heavy))
	}
	var deadlines, workloads int
	for _, f := range heavy {
		deadlines += bytes.Count(f.Data, []byte("activeDeadlineSeconds:"))
		workloads += bytes.Count(f.Data, []byte("\nkind: Job\n")) + bytes.Count(f.Data, []byte("\nkind: CronJob\n"))
	}
	if workloads != 700 || deadlines >= workloads/2 {
		t.Errorf("%d of %d Jobs and CronJobs set activeDeadlineSeconds, want 700 and under half", deadlines, workloads)
	}
}

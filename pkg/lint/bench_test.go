package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/meshbatch/meshbatch/internal/corpusgen"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// The benchmarks run on the synthetic corpus of internal/corpusgen at
// three sizes, with the rules that exist at run time (checks.All()), so the
// numbers move as rules land. Run them with `make bench`; scaling shows in
// the objects/s metric, which should stay flat from 1k to 100k objects.
var benchSizes = []struct {
	name string
	n    int
}{{"1k", 1_000}, {"10k", 10_000}, {"100k", 100_000}}

// benchFacts are the facts a CI job would pass; without them most verdicts
// become "unknown" warnings and the rules do less work.
func benchFacts(b *testing.B) mesh.Facts {
	f, err := RawFacts{IstioVersion: "1.28", KubernetesVersion: "1.31"}.Parse()
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// corpusVersion changes whenever corpusgen's output does, so a stale
// cached corpus is never reused.
const corpusVersion = 1

// benchCorpus returns a directory holding n generated objects. Corpora are
// cached under the temporary directory (or $MESHBATCH_BENCH_DIR) across
// runs: writing 100k objects takes longer than linting them.
func benchCorpus(b *testing.B, n int) string {
	b.Helper()
	root := os.Getenv("MESHBATCH_BENCH_DIR")
	if root == "" {
		root = filepath.Join(os.TempDir(), "meshbatch-bench")
	}
	dir := filepath.Join(root, fmt.Sprintf("corpus-v%d-%d", corpusVersion, n))
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		b.Fatal(err)
	}
	tmp, err := os.MkdirTemp(root, "tmp-")
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := corpusgen.WriteDir(tmp, corpusgen.Options{Objects: n}); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		b.Fatal(err)
	}
	return dir
}

// memCorpus parses a corpus in memory, for the benchmarks that start from
// loaded objects.
func memCorpus(b *testing.B, n int) []*manifest.Object {
	b.Helper()
	var objs []*manifest.Object
	for _, f := range corpusgen.Generate(corpusgen.Options{Objects: n}) {
		o, _ := manifest.ReadFile(f.Name, f.Data, manifest.Limits{})
		objs = append(objs, o...)
	}
	return objs
}

// perObject reports throughput, allocations per object and the CPU time
// the process spent per operation (every goroutine's, the collector's
// too), which on a shared machine moves less than the wall time that
// ns/op is; b.Loop must have finished.
func perObject(b *testing.B, n int, before *benchStart) {
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	total := float64(n) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(after.Mallocs-before.mem.Mallocs)/total, "allocs/object")
	b.ReportMetric(float64(after.TotalAlloc-before.mem.TotalAlloc)/total, "B/object")
	if cpu, ok := processCPU(); ok && before.cpuOK {
		b.ReportMetric(float64(cpu-before.cpu)/float64(b.N), "cpu-ns/op")
	}
}

// benchStart is what perObject measures from.
type benchStart struct {
	mem   runtime.MemStats
	cpu   time.Duration
	cpuOK bool
}

func startCount(b *testing.B) *benchStart {
	var s benchStart
	runtime.GC()
	runtime.ReadMemStats(&s.mem)
	s.cpu, s.cpuOK = processCPU()
	b.ResetTimer()
	return &s
}

// BenchmarkLoad measures reading, splitting, parsing and decoding files.
// live-MB is the heap the loaded objects hold, which bounds peak RSS.
func BenchmarkLoad(b *testing.B) {
	for _, s := range benchSizes {
		b.Run("N="+s.name, func(b *testing.B) {
			dir := benchCorpus(b, s.n)
			opts := Options{Workers: runtime.GOMAXPROCS(0)}
			var ld *loaded
			m := startCount(b)
			for b.Loop() {
				var err error
				if ld, err = load(context.Background(), []string{dir}, opts); err != nil {
					b.Fatal(err)
				}
			}
			perObject(b, s.n, m)
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/1e6, "live-MB")
			runtime.KeepAlive(ld)
		})
	}
}

// BenchmarkIndex measures rules.NewIndex over loaded objects.
func BenchmarkIndex(b *testing.B) {
	for _, s := range benchSizes {
		b.Run("N="+s.name, func(b *testing.B) {
			objs := memCorpus(b, s.n)
			m := startCount(b)
			for b.Loop() {
				rules.NewIndex(objs)
			}
			perObject(b, s.n, m)
		})
	}
}

// ruleFamilies groups the registered rules by hundred: MB1xx lifecycle,
// MB2xx startup, MB3xx resources, MB4xx certificates, MB5xx mTLS and
// identity, MB6xx external services.
func ruleFamilies() (names []string, fams map[string][]*rules.Rule) {
	fams = map[string][]*rules.Rule{}
	for _, r := range checks.All() {
		if r.Check == nil || len(r.ID) < 3 {
			continue
		}
		f := r.ID[:3] + "xx"
		if fams[f] == nil {
			names = append(names, f)
		}
		fams[f] = append(fams[f], r)
	}
	return names, fams
}

// runRules runs rs over ix the way Run does, counting diagnostics instead
// of turning them into findings.
func runRules(rs []*rules.Rule, ix *rules.Index, facts mesh.Facts) int {
	n := 0
	count := func(rules.Diagnostic) { n++ }
	for _, r := range rs {
		r.Check(rules.NewPass(r, ix, facts, false, count))
	}
	return n
}

// BenchmarkRuleFamily measures each family's checks over a built index.
func BenchmarkRuleFamily(b *testing.B) {
	names, fams := ruleFamilies()
	facts := benchFacts(b)
	for _, s := range benchSizes {
		b.Run("N="+s.name, func(b *testing.B) {
			ix := rules.NewIndex(memCorpus(b, s.n))
			for _, f := range names {
				b.Run(f, func(b *testing.B) {
					var diags int
					m := startCount(b)
					for b.Loop() {
						diags = runRules(fams[f], ix, facts)
					}
					perObject(b, s.n, m)
					b.ReportMetric(float64(diags), "diagnostics")
				})
			}
		})
	}
}

// BenchmarkRule measures every rule alone, to find one that does not
// scale: its objects/s falls as N grows. Select one with
// -bench 'Rule/N=100k/MB101'.
func BenchmarkRule(b *testing.B) {
	facts := benchFacts(b)
	for _, s := range benchSizes {
		b.Run("N="+s.name, func(b *testing.B) {
			ix := rules.NewIndex(memCorpus(b, s.n))
			for _, r := range checks.All() {
				if r.Check == nil {
					continue
				}
				b.Run(r.ID, func(b *testing.B) {
					m := startCount(b)
					for b.Loop() {
						runRules([]*rules.Rule{r}, ix, facts)
					}
					perObject(b, s.n, m)
				})
			}
		})
	}
}

// BenchmarkLint is the whole run from paths to sorted findings, as the
// command does it (minus printing).
func BenchmarkLint(b *testing.B) {
	facts := benchFacts(b)
	for _, s := range benchSizes {
		b.Run("N="+s.name, func(b *testing.B) {
			dir := benchCorpus(b, s.n)
			var res *Result
			m := startCount(b)
			for b.Loop() {
				var err error
				if res, err = Run(context.Background(), []string{dir}, Options{Facts: facts}); err != nil {
					b.Fatal(err)
				}
			}
			perObject(b, s.n, m)
			b.ReportMetric(float64(res.Findings.Len()), "findings")
		})
	}
}

// BenchmarkLintFixes is BenchmarkLint asking for the fixes (meshbatch fix,
// JSON and SARIF output): what computing them costs over BenchmarkLint.
func BenchmarkLintFixes(b *testing.B) {
	facts := benchFacts(b)
	for _, s := range benchSizes {
		b.Run("N="+s.name, func(b *testing.B) {
			dir := benchCorpus(b, s.n)
			var res *Result
			m := startCount(b)
			for b.Loop() {
				var err error
				if res, err = Run(context.Background(), []string{dir}, Options{Facts: facts, Fixes: true}); err != nil {
					b.Fatal(err)
				}
			}
			perObject(b, s.n, m)
			fixes := 0
			for f := range res.Findings.All() {
				if f.Fix != nil {
					fixes++
				}
			}
			b.ReportMetric(float64(res.Findings.Len()), "findings")
			b.ReportMetric(float64(fixes), "fixes")
		})
	}
}

package lint

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/internal/corpusgen"
	"github.com/meshbatch/meshbatch/pkg/rules"
	catalog "github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// wholeRunFacts are the cluster facts the tests that compare whole runs
// lint under: none, a recent cluster, and an old one in partial mode.
var wholeRunFacts = []struct {
	name    string
	raw     RawFacts
	partial bool
}{
	{"no facts", RawFacts{}, false},
	{"facts", RawFacts{IstioVersion: "1.28", KubernetesVersion: "1.31"}, false},
	{"other facts, partial", RawFacts{IstioVersion: "1.22", KubernetesVersion: "1.28", NativeSidecars: "true",
		OutboundPolicy: "REGISTRY_ONLY", DNSAutoAllocate: "false"}, true},
}

// TestParallelRunIsDeterministic lints a generated corpus and every rule
// fixture with all rules on one worker and on several: rules and finding
// positions run in parallel, and the result must not depend on it. Run it
// with -race: the rules share the index's per-template caches.
func TestParallelRunIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := corpusgen.WriteDir(dir, corpusgen.Options{Objects: 600}); err != nil {
		t.Fatal(err)
	}
	fixtures, _ := filepath.Glob(filepath.Join("..", "rules", "checks", "testdata", "MB*", "*.yaml"))
	if len(fixtures) == 0 {
		t.Fatal("no rule fixtures found")
	}
	paths := append([]string{dir}, fixtures...)
	for _, tc := range wholeRunFacts {
		t.Run(tc.name, func(t *testing.T) {
			facts, err := tc.raw.Parse()
			if err != nil {
				t.Fatal(err)
			}
			var results []*Result
			for _, workers := range []int{1, 2, 7} {
				res, err := Run(context.Background(), paths, Options{Facts: facts, Partial: tc.partial, Workers: workers, Now: fixedNow})
				if err != nil {
					t.Fatal(err)
				}
				results = append(results, res)
			}
			if results[0].Findings.Len() < 100 {
				t.Fatalf("only %d findings: the input was not read", results[0].Findings.Len())
			}
			for i, res := range results[1:] {
				if diff := cmp.Diff(results[0], res, asRendered); diff != "" {
					t.Errorf("run %d differs from the one-worker run (-1 worker +more):\n%s", i+1, diff)
				}
				if results[0].Worst() != res.Worst() {
					t.Errorf("run %d: worst %v, want %v", i+1, res.Worst(), results[0].Worst())
				}
			}
		})
	}
}

// TestParallelRuleIsolation runs rules that report, stay silent in
// partial mode and panic on several workers.
func TestParallelRuleIsolation(t *testing.T) {
	dir := writeFiles(t, map[string]string{"job.yaml": jobYAML})
	var reporters []*rules.Rule
	for i := range 20 {
		r := *testRule
		r.ID = "MB9" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		reporters = append(reporters, &r)
	}
	res, err := Run(context.Background(), []string{dir}, Options{Rules: reporters, Partial: true, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() != 40 || res.Stats.Silenced != 20 || len(res.Stats.SilencedByRule) != 20 {
		t.Fatalf("got %d findings, %d silenced (%v), want 40 and 20", res.Findings.Len(), res.Stats.Silenced, res.Stats.SilencedByRule)
	}

	boom := &rules.Rule{ID: "MB998", Slug: "boom", Severity: rules.Error, Check: func(*rules.Pass) { panic("boom") }}
	func() {
		defer func() {
			p := recover()
			if s, _ := p.(string); !strings.HasPrefix(s, "boom\n") || !strings.Contains(s, "parallel_test.go") {
				t.Errorf("the panic reached the caller as %v, want boom and the stack where it happened", p)
			}
		}()
		_, _ = Run(context.Background(), []string{dir}, Options{Rules: append(reporters, boom), Workers: 4})
		t.Error("Run returned after a rule panicked")
	}()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, []string{dir}, Options{Rules: reporters, Workers: 4}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: err = %v, want context.Canceled", err)
	}
}

// BenchmarkRulePhase is what Run does between loading and positions:
// NewIndex, Index.Prepare and every rule's check on GOMAXPROCS workers, on
// a fresh index each time (a used index has its caches built). Compare
// -cpu 1,2 for the effect of the workers.
func BenchmarkRulePhase(b *testing.B) {
	facts := benchFacts(b)
	var checks []*rules.Rule
	for _, r := range catalog.All() {
		if r.Check != nil {
			checks = append(checks, r)
		}
	}
	for _, s := range benchSizes {
		b.Run("N="+s.name, func(b *testing.B) {
			objs := memCorpus(b, s.n)
			opts := Options{Facts: facts, Workers: runtime.GOMAXPROCS(0)}
			var diags int
			m := startCount(b)
			for b.Loop() {
				ix := rules.NewIndex(objs)
				ix.Prepare(facts, opts.Workers)
				outs, err := runChecks(context.Background(), checks, ix, opts)
				if err != nil {
					b.Fatal(err)
				}
				diags = 0
				for _, o := range outs {
					diags += len(o.diags)
				}
			}
			perObject(b, s.n, m)
			b.ReportMetric(float64(diags), "diagnostics")
		})
	}
}

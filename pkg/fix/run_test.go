package fix_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/fix"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/render"
	"github.com/meshbatch/meshbatch/pkg/render/engine"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

var update = flag.Bool("update", false, "rewrite testdata/*.fixed.yaml")

// roundsFacts are the facts testdata/rounds.yaml is fixed with: a classic
// sidecar, so MB101's fix is the quit wrapper.
func roundsFacts(t *testing.T) lint.Options {
	t.Helper()
	facts, err := lint.RawFacts{IstioVersion: "1.22", KubeletVersion: "1.30"}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	return lint.Options{Facts: facts}
}

// copyTo copies testdata/name into a temporary directory.
func copyTo(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, data, 0o640); err != nil {
		t.Fatal(err)
	}
	return file
}

func appliedRules(f *fix.File) []string {
	var ids []string
	for _, a := range f.Applied {
		ids = append(ids, a.RuleID)
	}
	slices.Sort(ids)
	return ids
}

// TestRunRounds fixes a file whose MB302 fix shows up only once MB205's is
// applied: one run applies both, the diff shows the combined result, and
// a second run has nothing left to do.
func TestRunRounds(t *testing.T) {
	file := copyTo(t, "rounds.yaml")
	orig, _ := os.ReadFile(file)
	opts := fix.Options{Lint: roundsFacts(t), FailOn: rules.Error}

	rep, err := fix.Run(context.Background(), []string{file}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 {
		t.Fatalf("%d files changed, want 1", len(rep.Files))
	}
	f := rep.Files[0]
	if got, want := appliedRules(f), []string{"MB101", "MB201", "MB205", "MB302"}; !slices.Equal(got, want) {
		t.Errorf("fixes applied: %v, want %v", got, want)
	}
	if !bytes.Equal(f.Old, orig) {
		t.Error("Old is not the file as read")
	}
	golden := filepath.Join("testdata", "rounds.fixed.yaml")
	if *update {
		if err := os.WriteFile(golden, f.New, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.New, want) {
		t.Errorf("the fixed file differs from %s (go test -update rewrites it):\n%s", golden, f.New)
	}
	var diff bytes.Buffer
	if err := rep.WriteDiff(&diff); err != nil {
		t.Fatal(err)
	}
	var wantDiff bytes.Buffer
	_ = fix.Diff(&wantDiff, file, orig, want)
	if diff.String() != wantDiff.String() {
		t.Errorf("the diff is not the one of the combined result:\n%s", diff.String())
	}
	if !rep.Failed() || len(rep.Left) > 0 {
		t.Errorf("without Write: Failed %v, Left %v; want fixes to apply and none left", rep.Failed(), rep.Left)
	}
	if now, _ := os.ReadFile(file); !bytes.Equal(now, orig) {
		t.Error("the file was written without Write")
	}

	opts.Write = true
	rep, err = fix.Run(context.Background(), []string{file}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(file); !bytes.Equal(now, want) {
		t.Errorf("--write wrote:\n%s", now)
	}
	if rep.Failed() {
		t.Errorf("a run that fixed everything fails: %q", rep.Messages)
	}
	rep, err = fix.Run(context.Background(), []string{file}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Applied != 0 || len(rep.Files) != 0 || rep.Failed() {
		t.Errorf("a second run: %d fixes, %d files, failed %v", rep.Applied, len(rep.Files), rep.Failed())
	}
	// MB304's info, which has no fix, is left
	if want := "nothing to fix; 1 finding has no fix (below --fail-on error, so the run passes): meshbatch lint shows what to do"; !slices.Equal(rep.Messages, []string{want}) {
		t.Errorf("messages %q, want %q", rep.Messages, want)
	}
}

// TestRunRoundsRunOut bounds the rounds to one: MB302's fix, which needs
// MB205's first, and MB201's, which overlaps MB101's, are left for
// another run, and the run says so and fails.
func TestRunRoundsRunOut(t *testing.T) {
	file := copyTo(t, "rounds.yaml")
	rep, err := fix.Run(context.Background(), []string{file}, fix.Options{Lint: roundsFacts(t), Write: true, Rounds: 1})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, f := range rep.Left {
		left = append(left, f.RuleID)
	}
	// MB201's overlapped MB101's in the first round
	if slices.Sort(left); !slices.Equal(left, []string{"MB201", "MB302"}) {
		t.Fatalf("left %v, want the fixes of MB201 and MB302", left)
	}
	if !rep.Failed() {
		t.Error("a run with fixes left passes")
	}
	msg := strings.Join(rep.Messages, "\n")
	if !strings.Contains(msg, "MB302 not applied: fixes still changed the file after 1 round; run meshbatch fix again") {
		t.Errorf("messages:\n%s", msg)
	}
}

// TestRunIgnoresMinSeverity: --min-severity hides findings from lint's
// report; fix applies the fixes of warnings and infos all the same.
func TestRunIgnoresMinSeverity(t *testing.T) {
	file := copyTo(t, "rounds.yaml")
	opts := fix.Options{Lint: roundsFacts(t), Rules: []string{"MB205", "annotation-on-wrong-object"}}
	opts.Lint.MinSeverity = rules.Error // MB205 is a warning
	rep, err := fix.Run(context.Background(), []string{file}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || !slices.Equal(appliedRules(rep.Files[0]), []string{"MB205"}) {
		t.Fatalf("files %v: want MB205's fix applied", rep.Files)
	}
}

func TestRunUnknownRule(t *testing.T) {
	_, err := fix.Run(context.Background(), []string{"testdata/rounds.yaml"}, fix.Options{Rules: []string{"MB999"}})
	if err == nil || !strings.Contains(err.Error(), `unknown rule "MB999"`) {
		t.Errorf("got %v", err)
	}
}

// TestRunSymlink writes the target of a link, which stays a link.
func TestRunSymlink(t *testing.T) {
	target := copyTo(t, "rounds.yaml")
	link := filepath.Join(t.TempDir(), "job.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, err := fix.Run(context.Background(), []string{link}, fix.Options{Lint: roundsFacts(t), Write: true}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is no longer a link: %v", err)
	}
	want, _ := os.ReadFile("testdata/rounds.fixed.yaml")
	if got, _ := os.ReadFile(target); !bytes.Equal(got, want) {
		t.Errorf("the link's target is not fixed:\n%s", got)
	}
	if info, _ := os.Stat(target); info.Mode().Perm() != 0o640 {
		t.Errorf("the target's mode is now %v", info.Mode().Perm())
	}
}

// TestRunRendered: findings on a rendered chart or Kustomize build carry
// no fix; fix counts them apart, and says to edit the template or patch,
// not that their rules have no fix.
func TestRunRendered(t *testing.T) {
	facts, err := lint.RawFacts{IstioVersion: "1.28", KubernetesVersion: "1.31"}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("../lint/testdata/render")
	opts := fix.Options{Lint: lint.Options{Facts: facts, Render: lint.RenderOptions{Renderer: engine.Engine{}}}, FailOn: rules.Error}
	for _, c := range []struct {
		path   string
		errors int // the errors of the rendered findings (pkg/lint/testdata/render/golden)
	}{{"charts/report", 2}, {"overlays", 5}} {
		rep, err := fix.Run(context.Background(), []string{c.path}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rendered != c.errors || rep.Unfixed != 0 || rep.Applied != 0 {
			t.Errorf("%s: rendered %d, unfixed %d, applied %d; want %d, 0, 0", c.path, rep.Rendered, rep.Unfixed, rep.Applied, c.errors)
		}
		if !rep.Failed() {
			t.Errorf("%s: errors left, and the run passes", c.path)
		}
		msg := strings.Join(rep.Messages, "\n")
		if !strings.Contains(msg, "findings at or above error in rendered Helm charts or Kustomize directories: fix does not edit rendered output; edit the template or patch") ||
			strings.Contains(msg, "no fix:") {
			t.Errorf("%s: messages:\n%s", c.path, msg)
		}
		// Not "nothing to fix" when they fail the run: how many are left,
		// before the line that says what they are.
		want := fmt.Sprintf("no fix to apply; %d findings at or above error are left, so the run fails:", c.errors)
		if at := slices.Index(rep.Messages, want); at < 0 || at != len(rep.Messages)-2 || strings.Contains(msg, "nothing to fix") {
			t.Errorf("%s: messages %q; want %q before the last", c.path, rep.Messages, want)
		}
	}
}

// TestRunFileChangedMeanwhile: a file saved by someone else after lint
// read it is not written over, and no edit lands where the saved lines
// moved it: the run fails and says to run again.
func TestRunFileChangedMeanwhile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "job.yaml")
	job := "apiVersion: batch/v1\nkind: Job\nmetadata: {name: etl, namespace: batch}\nspec:\n  template:\n" +
		"    metadata:\n      annotations:\n        sidecar.istio.io/proxyMemory: 128Mi\n" +
		"    spec:\n      restartPolicy: Never\n      containers: [{name: app, image: etl:1}]\n"
	if err := os.WriteFile(file, []byte(job), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := []byte("# saved by an editor while fix ran\n" + job)
	// The rule's check saves the file once, after lint has read it.
	rule := *checks.ProxyResourcesPartial
	check, once := rule.Check, sync.Once{}
	rule.Check = func(p *rules.Pass) {
		once.Do(func() {
			if err := os.WriteFile(file, saved, 0o644); err != nil {
				t.Error(err)
			}
		})
		check(p)
	}
	rep, err := fix.Run(context.Background(), []string{file}, fix.Options{Lint: lint.Options{Rules: []*rules.Rule{&rule}}, Write: true})
	// lint notices it first when it reads the file again for positions;
	// the fix's own check of its edits is the guard behind that.
	said := strings.Join(rep.Messages, "\n")
	if err == nil || !strings.Contains(said+err.Error(), "changed") {
		t.Errorf("err = %v, messages:\n%s\nwant the file named as changed", err, said)
	}
	if got, _ := os.ReadFile(file); !bytes.Equal(got, saved) {
		t.Errorf("the file saved meanwhile was written over:\n%s", got)
	}
}

// countingRenderer counts the renders it passes on.
type countingRenderer struct {
	render.Renderer
	calls int
}

func (c *countingRenderer) Render(ctx context.Context, ts []render.Target) ([]render.Rendering, error) {
	c.calls++
	return c.Renderer.Render(ctx, ts)
}

// TestRunRendersOnce: a run whose plain file takes three rounds renders
// the chart and the overlays beside it once, not in every round, and
// fixes and counts as it did: the renderer reads the files on disk, which
// no round changes.
func TestRunRendersOnce(t *testing.T) {
	dir := t.TempDir()
	for from, to := range map[string]string{"../lint/testdata/render/charts/report": "chart", "../lint/testdata/render/overlays": "overlays"} {
		if err := os.CopyFS(filepath.Join(dir, to), os.DirFS(from)); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile("testdata/rounds.yaml")
	if err := os.WriteFile(filepath.Join(dir, "rounds.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	renderer := &countingRenderer{Renderer: engine.Engine{}}
	opts := roundsFacts(t)
	opts.Render.Renderer = renderer
	rep, err := fix.Run(context.Background(), []string{dir}, fix.Options{Lint: opts, FailOn: rules.Error})
	if err != nil {
		t.Fatal(err)
	}
	if renderer.calls != 1 {
		t.Errorf("%d renders, want 1", renderer.calls)
	}
	want, _ := os.ReadFile("testdata/rounds.fixed.yaml")
	if len(rep.Files) != 1 || !bytes.Equal(rep.Files[0].New, want) {
		t.Fatalf("files %v: want rounds.yaml fixed as in testdata/rounds.fixed.yaml", rep.Files)
	}
	// the errors of the chart and of the overlays, as TestRunRendered finds them alone
	if rep.Rendered != 2+5 || rep.Unfixed != 0 {
		t.Errorf("rendered %d, unfixed %d; want 7, 0", rep.Rendered, rep.Unfixed)
	}
}

// TestRunNothingToFixSaysWhatIsLeft: with no fix to apply, findings that
// have none and do not fail the run are counted, so that "nothing to fix"
// does not read as "nothing found"; with none left, it says only that.
func TestRunNothingToFixSaysWhatIsLeft(t *testing.T) {
	file := filepath.Join(t.TempDir(), "job.yaml")
	// sidecar.istio.io/inject "true" on the Job: MB205 (a warning) offers
	// no fix for it, and MB101 (an info here) none without facts
	job := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: etl\n  namespace: batch\n  annotations:\n    sidecar.istio.io/inject: \"true\"\n" +
		"spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: app, image: app:1}]\n"
	if err := os.WriteFile(file, []byte(job), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := lint.Options{Rules: []*rules.Rule{checks.AnnotationOnWrongObject, checks.JobSidecarNeverExits}}
	for _, c := range []struct {
		failOn rules.Severity
		want   string
	}{
		{rules.Error, "nothing to fix; 2 findings have no fix (below --fail-on error, so the run passes): meshbatch lint shows what to do"},
		{0, "nothing to fix; 2 findings have no fix (--fail-on none, so the run passes): meshbatch lint shows what to do"},
	} {
		rep, err := fix.Run(context.Background(), []string{file}, fix.Options{Lint: opts, FailOn: c.failOn})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Below != 2 || rep.Failed() || !slices.Equal(rep.Messages, []string{c.want}) {
			t.Errorf("fail on %v: below %d, failed %v, messages %q; want 2, false, %q", c.failOn, rep.Below, rep.Failed(), rep.Messages, c.want)
		}
	}
	opts.Rules = []*rules.Rule{checks.ProxyResourcesPartial} // silent on this Job
	rep, err := fix.Run(context.Background(), []string{file}, fix.Options{Lint: opts, FailOn: rules.Error})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Messages, []string{"nothing to fix"}) {
		t.Errorf("messages %q, want only: nothing to fix", rep.Messages)
	}
}

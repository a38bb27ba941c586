package clusterfacts

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meshbatch/meshbatch/e2e/internal/apiserver"
)

// casesGlob are the test clusters, relative to the repository root.
const casesGlob = "pkg/clusterfacts/testdata/*/cluster.yaml"

var env *apiserver.Env

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	e, cleanup, err := apiserver.Setup()
	defer cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	env = e
	return m.Run()
}

func TestFacts(t *testing.T) {
	if env.Skip != "" {
		t.Skip(env.Skip)
	}
	files, err := filepath.Glob(filepath.Join(env.Root, casesGlob))
	if err != nil || len(files) < 5 {
		t.Fatalf("want the five test clusters under %s, found %d (%v)", casesGlob, len(files), err)
	}
	for _, f := range files {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) { checkCluster(t, dir) })
	}
}

// checkCluster starts a control plane, creates the cluster's objects,
// runs facts as the reader and lint with its output.
func checkCluster(t *testing.T, dir string) {
	te, cfg := env.Start(t)
	admin, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(env.Root, dir)
	apiserver.Load(t, admin, "pkg/clusterfacts/testdata/system-namespaces.yaml")
	apiserver.Load(t, admin, filepath.Join(rel, "cluster.yaml"))

	kubeconfig := apiserver.ReaderKubeconfig(t, te, admin)
	facts := env.Run(t, "meshbatch", nil, "facts", "--kubeconfig", kubeconfig)
	if facts.Code != 0 {
		t.Fatalf("meshbatch facts: exit %d\n%s", facts.Code, facts.Stderr)
	}
	got := facts.Stdout
	header := regexp.MustCompile(`^# meshbatch facts from context e2e-reader, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n`)
	if !header.MatchString(got) {
		t.Errorf("the first line does not name the context and the time:\n%s", got)
	}
	got = header.ReplaceAllString(got, "# meshbatch facts from context CONTEXT, TIME\n")
	want := read(t, filepath.Join(dir, "want.yaml"))
	if got != want {
		t.Errorf("meshbatch facts differs from %s/want.yaml:\n--- want\n%s--- got\n%s", rel, want, got)
	}
	var notes []string
	for _, l := range strings.Split(strings.TrimSpace(facts.Stderr), "\n") {
		if l != "" {
			notes = append(notes, strings.TrimPrefix(l, "meshbatch facts: "))
		}
	}
	wantNotes := lines(readIfExists(t, filepath.Join(dir, "notes.txt")))
	if !slices.Equal(notes, wantNotes) {
		t.Errorf("stderr notes:\n got %q\nwant %q (a forbidden read means the ClusterRole lacks something)", notes, wantNotes)
	}

	// lint with the facts the cluster gave.
	out := filepath.Join(t.TempDir(), "facts.yaml")
	if err := os.WriteFile(out, []byte(facts.Stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	verdicts := lintVerdicts(t, "--facts", out, filepath.Join(dir, "lint.yaml"))
	if wantV := verdictsOf(read(t, filepath.Join(dir, "lint.want"))); !slices.Equal(verdicts, wantV) {
		t.Errorf("lint with the facts: MB101 verdicts\n got %q\nwant %q", verdicts, wantV)
	}
}

// lintVerdicts runs the meshbatch binary's lint and returns its MB101
// findings as "MB101 error CronJob ns/name", sorted.
func lintVerdicts(t *testing.T, args ...string) []string {
	t.Helper()
	lint := env.Run(t, "meshbatch", nil, append([]string{"lint", "--no-config", "-f", "json", "--fail-on", "none"}, args...)...)
	if lint.Code != 0 {
		t.Fatalf("meshbatch lint: exit %d\n%s", lint.Code, lint.Stderr)
	}
	var rep struct {
		Findings []struct {
			RuleID, Severity string
			Object           struct{ Kind, Namespace, Name string }
		}
	}
	if err := json.Unmarshal([]byte(lint.Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range rep.Findings {
		if f.RuleID == "MB101" {
			out = append(out, fmt.Sprintf("%s %s %s %s/%s", f.RuleID, f.Severity, f.Object.Kind, f.Object.Namespace, f.Object.Name))
		}
	}
	slices.Sort(out)
	return out
}

// verdictsOf reads a lint.want: one verdict a line, "-" for none.
func verdictsOf(text string) []string {
	var out []string
	for _, l := range lines(text) {
		if l != "-" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func read(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func readIfExists(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

package generate

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// specWithDestinations is a sidecar-mode spec with the given destination
// entries (YAML list items, indented for spec.destinations).
func specWithDestinations(dests string) string {
	return `apiVersion: meshbatch.dev/v1alpha1
kind: BatchJob
metadata: {name: etl, namespace: batch}
spec:
  image: registry.example.com/etl:1
  command: ["/etl"]
  mesh: {dataplane: sidecar, autoMTLS: false}
  destinations:
` + dests
}

const (
	destDB  = "    - {name: db, service: postgres.database, port: 5432, workloadSelector: {app: postgres}}\n"
	destAPI = "    - {name: api, host: api.example.com, port: 443, protocol: HTTPS}\n"
)

// writeSpec writes a spec file and returns its path.
func writeSpec(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "etl.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// snapshot reads every entry of a directory, hidden ones included, so that
// a failed run can be shown to have changed nothing.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch {
		case e.IsDir():
			out[e.Name()+"/"] = ""
			continue
		case e.Type()&os.ModeSymlink != 0:
			target, _ := os.Readlink(filepath.Join(dir, e.Name()))
			out[e.Name()] = "-> " + target
			continue
		case !e.Type().IsRegular():
			out[e.Name()] = e.Type().String()
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

func run(t *testing.T, opts Options) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	opts.Stdout, opts.Stderr = &o, &e
	err = Run(opts)
	return o.String(), e.String(), err
}

func TestWriteDirOneFilePerObject(t *testing.T) {
	tmp := t.TempDir()
	spec := writeSpec(t, tmp, specWithDestinations(destDB+destAPI))
	out := filepath.Join(tmp, "deploy")
	_, stderr, err := run(t, Options{Specs: []string{spec}, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	got := snapshot(t, out)
	var names []string
	for name, data := range got {
		names = append(names, name)
		if want := Header(sourceFrom(out, spec)); !strings.HasPrefix(data, want) {
			t.Errorf("%s does not start with %q", name, want)
		}
		if strings.Contains(data, "\n---") {
			t.Errorf("%s holds more than one document", name)
		}
	}
	slices.Sort(names)
	want := []string{
		"authorizationpolicy-database-batch.etl.to.db.yaml",
		"destinationrule-batch-etl.db.yaml",
		"job-batch-etl.yaml",
		"namespace-batch.yaml",
		"peerauthentication-batch-default.yaml",
		"serviceaccount-batch-etl.yaml",
		"serviceentry-batch-etl.api.yaml",
		"sidecar-batch-etl.yaml",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	// The classic sidecar's warning about the image, then the summary.
	warning := spec + ":5:3: warning: spec.image: the classic sidecar (dataplane: sidecar) runs the command under /bin/sh -c"
	if !strings.HasPrefix(stderr, warning) || !strings.HasSuffix(stderr, "\n"+out+": 8 written, 0 unchanged\n") || strings.Count(stderr, "\n") != 2 {
		t.Errorf("stderr %q", stderr)
	}

	// A second run changes nothing and says so.
	if _, stderr, err = run(t, Options{Specs: []string{spec}, OutDir: out}); err != nil || !strings.HasSuffix(stderr, "\n"+out+": 0 written, 8 unchanged\n") {
		t.Errorf("second run: %q, %v", stderr, err)
	}
	if _, _, err := run(t, Options{Specs: []string{spec}, OutDir: out, Check: true}); err != nil {
		t.Errorf("--check right after writing: %v", err)
	}
}

func TestWriteDirRemovesOnlyItsOwnStaleFiles(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "deploy")
	spec := writeSpec(t, tmp, specWithDestinations(destDB+destAPI))
	if _, _, err := run(t, Options{Specs: []string{spec}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	// Files of another spec and hand-written files share the directory.
	other := Header("other.yaml") + "kind: ConfigMap\n"
	mustWrite(t, filepath.Join(out, "configmap-batch-other.yaml"), other)
	mustWrite(t, filepath.Join(out, "kustomization.yaml"), "resources: []\n")

	// The API destination is dropped from the spec: its ServiceEntry goes.
	writeSpec(t, tmp, specWithDestinations(destDB))
	stdout, _, err := run(t, Options{Specs: []string{spec}, OutDir: out, Check: true})
	if !errors.Is(err, ErrOutOfDate) {
		t.Fatalf("--check: %v, want ErrOutOfDate", err)
	}
	for _, want := range []string{"--- " + filepath.ToSlash(out) + "/serviceentry-batch-etl.api.yaml\n", "+++ /dev/null\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--check diff lacks %q:\n%s", want, stdout)
		}
	}
	_, stderr, err := run(t, Options{Specs: []string{spec}, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(stderr, ", 1 stale removed\n") {
		t.Errorf("summary %q", stderr)
	}
	got := snapshot(t, out)
	if _, ok := got["serviceentry-batch-etl.api.yaml"]; ok {
		t.Error("the stale ServiceEntry is still there")
	}
	if got["configmap-batch-other.yaml"] != other || got["kustomization.yaml"] != "resources: []\n" {
		t.Error("files that this spec did not generate were touched")
	}
}

func TestWriteDirRefusesForeignFiles(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "deploy")
	spec := writeSpec(t, tmp, specWithDestinations(destAPI))
	handWritten := "apiVersion: batch/v1\nkind: Job\n# tuned by hand\n"
	mustWrite(t, filepath.Join(out, "job-batch-etl.yaml"), handWritten)
	before := snapshot(t, out)

	_, _, err := run(t, Options{Specs: []string{spec}, OutDir: out})
	if err == nil || !strings.Contains(err.Error(), "job-batch-etl.yaml: not generated by meshbatch") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("err = %v, want a refusal naming the file and --force", err)
	}
	if diff := cmp.Diff(before, snapshot(t, out)); diff != "" {
		t.Errorf("a refused run changed the directory:\n%s", diff)
	}

	if _, _, err := run(t, Options{Specs: []string{spec}, OutDir: out, Force: true}); err != nil {
		t.Fatalf("--force: %v", err)
	}
	if got := snapshot(t, out)["job-batch-etl.yaml"]; !strings.HasPrefix(got, Header(sourceFrom(out, spec))) {
		t.Errorf("--force did not overwrite:\n%s", got)
	}
}

func TestCheckShowsADiffOfEditedFiles(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "deploy")
	spec := writeSpec(t, tmp, specWithDestinations(destAPI))
	if _, _, err := run(t, Options{Specs: []string{spec}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	job := filepath.Join(out, "job-batch-etl.yaml")
	data, _ := os.ReadFile(job)
	mustWrite(t, job, strings.Replace(string(data), "activeDeadlineSeconds: 86400", "activeDeadlineSeconds: 60", 1))
	os.Remove(filepath.Join(out, "namespace-batch.yaml"))
	before := snapshot(t, out)

	stdout, _, err := run(t, Options{Specs: []string{spec}, OutDir: out, Check: true})
	if !errors.Is(err, ErrOutOfDate) {
		t.Fatalf("err = %v, want ErrOutOfDate", err)
	}
	for _, want := range []string{
		"-  activeDeadlineSeconds: 60\n+  activeDeadlineSeconds: 86400\n",
		"--- /dev/null\n+++ " + filepath.ToSlash(out) + "/namespace-batch.yaml (generated)\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout)
		}
	}
	if diff := cmp.Diff(before, snapshot(t, out)); diff != "" {
		t.Errorf("--check changed the directory:\n%s", diff)
	}
}

func TestBadSpecWritesNothing(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "deploy")
	spec := writeSpec(t, tmp, specWithDestinations(destAPI)+"    - {name: bad, host: x.example.com, port: 99999, protocol: TCP}\n")
	_, _, err := run(t, Options{Specs: []string{spec}, OutDir: out})
	var specErr *SpecError
	if !errors.As(err, &specErr) {
		t.Fatalf("err = %v, want *SpecError", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the output directory was created for a bad spec (%v)", err)
	}
}

// TestFailedWriteRestoresTheDirectory makes the Namespace's rename fail, after
// the stale files were removed and the Job's was renamed, and checks that
// all of it is undone.
func TestFailedWriteRestoresTheDirectory(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "deploy")
	spec := writeSpec(t, tmp, specWithDestinations(destDB+destAPI))
	if _, _, err := run(t, Options{Specs: []string{spec}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	// Change the spec so that every file changes.
	writeSpec(t, tmp, strings.Replace(specWithDestinations(destDB), "dataplane: sidecar", "dataplane: ambient", 1))
	before := snapshot(t, out)
	calls := 0
	rename = func(from, to string) error {
		if filepath.Base(to) == "namespace-batch.yaml" {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: errors.New("disk full")}
		}
		calls++
		return os.Rename(from, to)
	}
	defer func() { rename = os.Rename }()

	_, _, err := run(t, Options{Specs: []string{spec}, OutDir: out})
	if err == nil || !strings.Contains(err.Error(), "disk full; the directory was restored") {
		t.Fatalf("err = %v, want a failed rename", err)
	}
	if calls == 0 {
		t.Fatal("no rename before the failing one: nothing to restore")
	}
	if diff := cmp.Diff(before, snapshot(t, out)); diff != "" {
		t.Errorf("the directory changed (-before +after):\n%s", diff)
	}
}

// TestFailedWriteLeavesNoNewDirectories: a run that fails removes the
// output directory it created, and the missing parents it created too.
func TestFailedWriteLeavesNoNewDirectories(t *testing.T) {
	tmp := t.TempDir()
	spec := writeSpec(t, tmp, specWithDestinations(destAPI))
	rename = func(from, to string) error {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: errors.New("disk full")}
	}
	defer func() { rename = os.Rename }()
	_, _, err := run(t, Options{Specs: []string{spec}, OutDir: filepath.Join(tmp, "a", "b", "deploy")})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the failed rename", err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "a")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a/ was left behind (%v)", err)
	}
	if diff := cmp.Diff(map[string]string{"etl.yaml": specWithDestinations(destAPI)}, snapshot(t, tmp)); diff != "" {
		t.Errorf("the parent directory changed (-want +got):\n%s", diff)
	}
}

// TestWriteDirNeverReplacesLinksOrPipes: a symbolic link, a named pipe or
// a directory where a generated file goes is refused, even with --force,
// and nothing is written; unrelated ones are left alone.
func TestWriteDirNeverReplacesLinksOrPipes(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(path string) error
		what string
	}{
		{"symlink", func(p string) error { return os.Symlink("../elsewhere.yaml", p) }, "a symbolic link"},
		{"directory", func(p string) error { return os.Mkdir(p, 0o755) }, "a directory"},
		{"fifo", func(p string) error { return mkfifo(p) }, "a named pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			out := filepath.Join(tmp, "deploy")
			spec := writeSpec(t, tmp, specWithDestinations(destAPI))
			if _, _, err := run(t, Options{Specs: []string{spec}, OutDir: out}); err != nil {
				t.Fatal(err)
			}
			writeSpec(t, tmp, specWithDestinations(destDB+destAPI))
			job := filepath.Join(out, "job-batch-etl.yaml")
			if err := os.Remove(job); err != nil {
				t.Fatal(err)
			}
			if err := tc.make(job); err != nil {
				t.Skipf("cannot make %s here: %v", tc.what, err)
			}
			if err := tc.make(filepath.Join(out, "unrelated.yaml")); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, out)
			for _, force := range []bool{false, true} {
				_, _, err := run(t, Options{Specs: []string{spec}, OutDir: out, Force: force})
				if err == nil || !strings.Contains(err.Error(), "job-batch-etl.yaml is "+tc.what+", where meshbatch writes a file") {
					t.Errorf("force=%v: err = %v", force, err)
				}
				if diff := cmp.Diff(before, snapshot(t, out)); diff != "" {
					t.Errorf("force=%v: the directory changed (-before +after):\n%s", force, diff)
				}
			}
		})
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

package generate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jobSpec is a sidecar-mode spec of the named job in a namespace.
func jobSpec(name, namespace, dataplane string) string {
	return `apiVersion: meshbatch.dev/v1alpha1
kind: BatchJob
metadata: {name: ` + name + `, namespace: ` + namespace + `}
spec:
  image: registry.example.com/etl:1
  command: ["/etl"]
  mesh: {dataplane: ` + dataplane + `, istioVersion: "1.28", kubernetesVersion: "1.31", kubeletVersion: "1.31"}
`
}

// writeNamedSpec writes a spec file under its own name and returns its path.
func writeNamedSpec(t *testing.T, dir, file, body string) string {
	t.Helper()
	path := filepath.Join(dir, file)
	mustWrite(t, path, body)
	return path
}

// Every job of a namespace generates its Namespace and PeerAuthentication:
// per-spec runs into one directory must agree on them, not take turns.
func TestSharedFilesNameEverySpecOfTheNamespace(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "deploy")
	daily := writeNamedSpec(t, tmp, "daily.yaml", jobSpec("daily", "batch", "native-sidecar"))
	hourly := writeNamedSpec(t, tmp, "hourly.yaml", jobSpec("hourly", "batch", "native-sidecar"))
	for _, spec := range []string{daily, hourly} {
		if _, _, err := run(t, Options{Specs: []string{spec}, OutDir: out}); err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
	}
	got := snapshot(t, out)
	wantHeader := Header("../daily.yaml") + alsoPrefix + "../hourly.yaml\n"
	for _, name := range []string{"namespace-batch.yaml", "peerauthentication-batch-default.yaml"} {
		if !strings.HasPrefix(got[name], wantHeader) {
			t.Errorf("%s starts with\n%s\nwant\n%s", name, firstLines(got[name], 2), wantHeader)
		}
	}
	for _, spec := range []string{daily, hourly} {
		if stdout, _, err := run(t, Options{Specs: []string{spec}, OutDir: out, Check: true}); err != nil {
			t.Errorf("--check %s: %v\n%s", spec, err, stdout)
		}
		if _, stderr, err := run(t, Options{Specs: []string{spec}, OutDir: out}); err != nil || !strings.Contains(stderr, ": 0 written,") {
			t.Errorf("rerun of %s: %q, %v", spec, stderr, err)
		}
	}
	if diff := cmp.Diff(got, snapshot(t, out)); diff != "" {
		t.Errorf("reruns changed the directory:\n%s", diff)
	}

	// hourly moves to another namespace: the shared files stay for daily,
	// without hourly in their header.
	writeNamedSpec(t, tmp, "hourly.yaml", jobSpec("hourly", "reports", "native-sidecar"))
	if _, _, err := run(t, Options{Specs: []string{hourly}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	got = snapshot(t, out)
	if ns := got["namespace-batch.yaml"]; !strings.HasPrefix(ns, Header("../daily.yaml")+"apiVersion: v1\n") {
		t.Errorf("namespace-batch.yaml after hourly left:\n%s", firstLines(ns, 2))
	}
	if _, ok := got["namespace-reports.yaml"]; !ok {
		t.Error("hourly's new namespace was not written")
	}
	if _, _, err := run(t, Options{Specs: []string{daily}, OutDir: out, Check: true}); err != nil {
		t.Errorf("--check daily after hourly left: %v", err)
	}

	// daily moves too: now nobody generates namespace batch, and it goes.
	writeNamedSpec(t, tmp, "daily.yaml", jobSpec("daily", "reports", "native-sidecar"))
	if _, _, err := run(t, Options{Specs: []string{daily}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	if _, ok := snapshot(t, out)["namespace-batch.yaml"]; ok {
		t.Error("namespace-batch.yaml outlived the last spec that generated it")
	}
}

func TestSharedFilesRefuseADisagreement(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "deploy")
	daily := writeNamedSpec(t, tmp, "daily.yaml", jobSpec("daily", "batch", "native-sidecar"))
	ambient := writeNamedSpec(t, tmp, "ambient.yaml", jobSpec("nightly", "batch", "ambient"))
	if _, _, err := run(t, Options{Specs: []string{daily}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, out)

	_, _, err := run(t, Options{Specs: []string{ambient}, OutDir: out})
	if err == nil || !strings.Contains(err.Error(), "namespace-batch.yaml: also generated from ../daily.yaml") ||
		!strings.Contains(err.Error(), "mesh.dataplane") {
		t.Fatalf("err = %v, want the disagreement on namespace-batch.yaml named", err)
	}
	if diff := cmp.Diff(before, snapshot(t, out)); diff != "" {
		t.Errorf("a refused run changed the directory:\n%s", diff)
	}

	stdout, stderr, err := run(t, Options{Specs: []string{ambient}, OutDir: out, Check: true})
	if !errors.Is(err, ErrOutOfDate) {
		t.Fatalf("--check: %v, want ErrOutOfDate", err)
	}
	if !strings.Contains(stdout, "+    istio.io/dataplane-mode: ambient") || !strings.Contains(stderr, "mesh.dataplane") {
		t.Errorf("--check should show the label diff and explain it; stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
}

// Two spec files for the same job would overwrite each other's files in
// turn; a spec that was moved takes its files over with --force.
func TestFilesOfAnotherSpecNeedForce(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "deploy")
	old := writeNamedSpec(t, tmp, "old.yaml", jobSpec("etl", "batch", "native-sidecar"))
	moved := writeNamedSpec(t, tmp, "moved.yaml", jobSpec("etl", "batch", "native-sidecar"))
	if _, _, err := run(t, Options{Specs: []string{old}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, out)

	_, _, err := run(t, Options{Specs: []string{moved}, OutDir: out})
	if err == nil || !strings.Contains(err.Error(), "job-batch-etl.yaml") || !strings.Contains(err.Error(), "generated from ../old.yaml") ||
		!strings.Contains(err.Error(), "--force") {
		t.Fatalf("err = %v, want the other spec's files named, and --force", err)
	}
	if diff := cmp.Diff(before, snapshot(t, out)); diff != "" {
		t.Errorf("a refused run changed the directory:\n%s", diff)
	}

	if _, _, err := run(t, Options{Specs: []string{moved}, OutDir: out, Force: true}); err != nil {
		t.Fatalf("--force: %v", err)
	}
	got := snapshot(t, out)
	if job := got["job-batch-etl.yaml"]; !strings.HasPrefix(job, Header("../moved.yaml")) {
		t.Errorf("--force did not take the Job over:\n%s", firstLines(job, 1))
	}
	if _, _, err := run(t, Options{Specs: []string{moved}, OutDir: out, Check: true}); err != nil {
		t.Errorf("--check after --force: %v", err)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitAfterN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "")
}

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		data    string
		sources []string
		body    string
		ok      bool
	}{
		{"# generated by meshbatch from a.yaml; do not edit\nkind: X\n", []string{"a.yaml"}, "kind: X\n", true},
		{sharedHeader([]string{"b, c.yaml", "a.yaml", "b, c.yaml"}) + "kind: X\n", []string{"a.yaml", "b, c.yaml"}, "kind: X\n", true},
		{"# generated by meshbatch from a.yaml\nkind: X\n", nil, "", false},
		{"kind: X\n# generated by meshbatch from a.yaml; do not edit\n", nil, "", false},
		{"", nil, "", false},
	} {
		sources, body, ok := parseHeader([]byte(tc.data))
		if ok != tc.ok || string(body) != tc.body || !cmp.Equal(sources, tc.sources) {
			t.Errorf("parseHeader(%q) = %q, %q, %v; want %q, %q, %v", tc.data, sources, body, ok, tc.sources, tc.body, tc.ok)
		}
	}
}

// The header names the spec relative to the output directory: the same
// spec is recognised whichever directory generate runs from, and by path
// as typed or absolute.
func TestSpecIsRecognisedFromAnyDirectory(t *testing.T) {
	tmp := t.TempDir()
	t.Chdir(tmp)
	writeNamedSpec(t, "specs", "etl.yaml", jobSpec("etl", "batch", "native-sidecar"))
	if _, _, err := run(t, Options{Specs: []string{"specs/etl.yaml"}, OutDir: "deploy"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("deploy", "job-batch-etl.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := Header("../specs/etl.yaml"); !strings.HasPrefix(string(data), want) {
		t.Errorf("header %q, want %q", firstLines(string(data), 1), want)
	}
	if _, _, err := run(t, Options{Specs: []string{filepath.Join(tmp, "specs", "etl.yaml")}, OutDir: "deploy", Check: true}); err != nil {
		t.Errorf("--check with an absolute spec path: %v", err)
	}
	t.Chdir("specs")
	if _, _, err := run(t, Options{Specs: []string{"etl.yaml"}, OutDir: "../deploy", Check: true}); err != nil {
		t.Errorf("--check from the spec's directory: %v", err)
	}
}

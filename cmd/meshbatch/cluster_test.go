package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/livestream"
)

// writeStream writes what meshbatch-facts --list would for a cluster
// whose facts say Istio 1.22 (classic sidecars), with an injected
// namespace, a Job of it, and a list that was refused.
func writeStream(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	w := livestream.NewWriter(&buf)
	w.Frame(livestream.TypeContext, []byte("prod-eu"))
	w.Frame(livestream.TypeFacts, []byte("facts:\n  istioVersion: \"1.22\"\n  kubernetesVersion: \"1.30\"\n"))
	w.Frame(livestream.TypeNote, []byte("no node reports a kubelet version"))
	w.Page([][]byte{
		[]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"batch","labels":{"istio-injection":"enabled"}}}`),
		[]byte(`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"etl","namespace":"batch"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}`),
	})
	w.Frame(livestream.TypeEnd, nil)
	file := filepath.Join(t.TempDir(), "cluster.stream")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func runMeshbatch(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestLintClusterStream lints a saved stream: the cluster's facts apply
// (Istio 1.22: a classic sidecar, MB101), findings name the context and
// the object, notes go to stderr, and a facts flag still wins over the
// cluster's.
func TestLintClusterStream(t *testing.T) {
	stream := writeStream(t)
	code, stdout, stderr := runMeshbatch(t, "lint", "--no-config", "--cluster", "--cluster-stream", stream, "-f", "concise")
	if code != 1 {
		t.Errorf("exit %d, want 1 (an error finding)\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "prod-eu: Job batch/etl: error MB101 job-sidecar-never-exits: ") {
		t.Errorf("no MB101 on the live Job:\n%s", stdout)
	}
	if !strings.Contains(stdout, "from cluster prod-eu") || !strings.Contains(stderr, "meshbatch: cluster prod-eu: no node reports a kubelet version") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	_, stdout, _ = runMeshbatch(t, "lint", "--no-config", "--cluster", "--cluster-stream", stream, "-f", "concise", "--native-sidecars", "true", "--istio-version", "1.28", "--kubelet-version", "1.33")
	if strings.Contains(stdout, "MB101") {
		t.Errorf("--native-sidecars true did not win over the cluster's facts:\n%s", stdout)
	}
}

// TestClusterFlags: the cluster's flags need --cluster, -n and -A do
// not go together, and --facts does not go with --cluster.
func TestClusterFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lint", "--kubeconfig", "k", "x.yaml"}, "--kubeconfig reads a cluster: add --cluster"},
		{[]string{"lint", "-n", "batch", "x.yaml"}, "--namespace reads a cluster: add --cluster"},
		{[]string{"lint", "--cluster", "-n", "batch", "-A"}, "give one"},
		{[]string{"lint", "--cluster", "--facts", "f.yaml"}, "drop --facts"},
		{[]string{"lint"}, "lint needs at least one PATH"},
	} {
		code, _, stderr := runMeshbatch(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// streamFile writes a stream as frames writes it to a file.
func streamFile(t *testing.T, frames func(w *livestream.Writer)) string {
	t.Helper()
	var buf bytes.Buffer
	frames(livestream.NewWriter(&buf))
	file := filepath.Join(t.TempDir(), "cluster.stream")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// clean fails the test when stderr shows what a user should not have to
// read: a Go stack, a raw API answer, a request URL.
func clean(t *testing.T, stderr string) {
	t.Helper()
	for _, raw := range []string{"goroutine ", "panic:", `{"kind"`, `Get "http`, "exit status"} {
		if strings.Contains(stderr, raw) {
			t.Errorf("stderr shows %q:\n%s", raw, stderr)
		}
	}
}

// TestLintClusterErrors: every way lint --cluster can fail exits 2 and
// says what failed and what to do, once, in the words of the command the
// user ran.
func TestLintClusterErrors(t *testing.T) {
	header := func(w *livestream.Writer) {
		w.Frame(livestream.TypeContext, []byte("prod-eu"))
		w.Frame(livestream.TypeFacts, []byte("facts:\n  istioVersion: \"1.28\"\n"))
	}
	forbidden := streamFile(t, func(w *livestream.Writer) {
		header(w)
		w.Page([][]byte{[]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"batch"}}`)})
		w.Frame(livestream.TypeError, []byte("cannot list pods, jobs: forbidden; bind the reader to deploy/rbac/meshbatch-reader.yaml"))
		w.Frame(livestream.TypeEnd, nil)
	})
	brokenOff := streamFile(t, func(w *livestream.Writer) {
		header(w)
		w.Page([][]byte{[]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"batch"}}`)})
	})
	notAStream := filepath.Join(t.TempDir(), "facts.yaml")
	if err := os.WriteFile(notAStream, []byte("# meshbatch facts from context prod-eu\nfacts: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const noContext = "meshbatch lint --cluster: no context \"nope\" in the kubeconfig (--kubeconfig k): it has prod-eu (kubectl config get-contexts)\n"
	for _, tc := range []struct {
		name           string
		stdout, stderr string // the fake meshbatch-facts's
		code           int
		args           []string
		want           []string // on lint's stderr, in order
	}{
		{name: "lister refuses the flags", stderr: noContext, code: 2, args: []string{"--kubeconfig", "k", "--context", "nope"},
			want: []string{noContext}},
		{name: "forbidden lists", stdout: forbidden,
			want: []string{"meshbatch: cluster prod-eu: cannot list pods, jobs: forbidden; bind the reader to deploy/rbac/meshbatch-reader.yaml\n",
				"meshbatch: cluster prod-eu was read in part (said above): the report leaves out what could not be listed\n"}},
		{name: "lister broke off", stdout: brokenOff, stderr: "meshbatch lint --cluster: listing the cluster: context canceled\n", code: 2,
			want: []string{"meshbatch lint --cluster: listing the cluster: context canceled\n",
				"meshbatch: cluster prod-eu: meshbatch-facts exited with status 2\n",
				"meshbatch: cluster prod-eu was read in part (said above)"}},
		{name: "not a stream", stdout: notAStream,
			want: []string{"meshbatch: lint --cluster: ", "meshbatch-facts wrote no cluster stream: ", "is meshbatch-facts the same version as meshbatch?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeFacts(t, tc.stdout, tc.stderr, tc.code)
			code, _, stderr := runMeshbatch(t, append([]string{"lint", "--no-config", "--cluster", "-f", "concise"}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			rest := stderr
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("stderr does not say %q (in order):\n%s", w, stderr)
				}
				rest = rest[i+len(w):]
			}
			clean(t, stderr)
			if strings.Contains(stderr, "meshbatch facts:") {
				t.Errorf("stderr names meshbatch facts, which the user did not run:\n%s", stderr)
			}
		})
	}

	t.Run("no meshbatch-facts", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		code, _, stderr := runMeshbatch(t, "lint", "--no-config", "--cluster")
		want := "meshbatch: lint --cluster runs meshbatch-facts, which is neither next to meshbatch nor on PATH: install it with `go install github.com/meshbatch/meshbatch/cmd/meshbatch-facts@"
		if code != 2 || !strings.HasPrefix(stderr, want) {
			t.Errorf("exit %d, stderr:\n%s\nwant 2 and %q", code, stderr, want)
		}
	})

	t.Run("files and cluster in part", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing.yaml")
		code, _, stderr := runMeshbatch(t, "lint", "--no-config", "--cluster", "--cluster-stream", forbidden, "-f", "concise", missing)
		want := "meshbatch: cluster prod-eu was read in part (said above): the report leaves out what could not be listed; 1 input path(s) could not be read\n"
		if code != 2 || !strings.HasSuffix(stderr, want) {
			t.Errorf("exit %d, stderr:\n%s\nwant 2 and, last, %q", code, stderr, want)
		}
	})
}

// TestLintNow: --now is the instant the live rules judge statuses at,
// so that a report of a saved stream is the same every time.
func TestLintNow(t *testing.T) {
	stream := streamFile(t, func(w *livestream.Writer) {
		w.Frame(livestream.TypeContext, []byte("prod-eu"))
		w.Frame(livestream.TypeFacts, []byte("facts:\n  istioVersion: \"1.22\"\n"))
		w.Page([][]byte{[]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"etl-1","namespace":"batch","labels":{"job-name":"etl"}},` +
			`"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"},{"name":"istio-proxy","image":"proxyv2:1.22.0"}]},` +
			`"status":{"phase":"Running","containerStatuses":[` +
			`{"name":"app","image":"etl:1","imageID":"","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed","startedAt":"2026-06-01T10:00:00Z","finishedAt":"2026-06-01T11:30:00Z"}}},` +
			`{"name":"istio-proxy","image":"proxyv2:1.22.0","imageID":"","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-06-01T10:00:00Z"}}}]}}`)})
		w.Frame(livestream.TypeEnd, nil)
	})
	args := []string{"lint", "--no-config", "--cluster", "--cluster-stream", stream, "-f", "concise", "--fail-on", "none"}
	_, stdout, stderr := runMeshbatch(t, append(args, "--now", "2026-06-01T12:00:00Z")...)
	if !strings.Contains(stdout, "since 2026-06-01T11:30:00Z (30m ago") {
		t.Errorf("MB701 does not count from --now:\n%s%s", stdout, stderr)
	}
	_, again, _ := runMeshbatch(t, append(args, "--now", "2026-06-01T12:00:00Z")...)
	if again != stdout {
		t.Errorf("two runs at the same --now differ:\n%s\n%s", stdout, again)
	}
	code, _, stderr := runMeshbatch(t, append(args, "--now", "yesterday")...)
	if want := `meshbatch: --now "yesterday": want an RFC 3339 instant, like 2026-06-01T12:00:00Z`; code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("--now yesterday: exit %d, stderr %q; want 2 and %q", code, stderr, want)
	}
}

// TestLintClusterNamespacesPartial: with -n, a DestinationRule whose
// host no ServiceEntry in the listed namespaces declares is not MB610
// (the entry may be in another namespace): stderr and the summary say
// the check was silenced.
func TestLintClusterNamespacesPartial(t *testing.T) {
	stream := writeStreamOf(t, "1.28", []string{
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"batch","labels":{"istio-injection":"enabled"}}}`,
		`{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"rates","namespace":"batch"},"spec":{"host":"api.rates.example.com","trafficPolicy":{"tls":{"mode":"SIMPLE"}}}}`,
	})
	_, stdout, _ := runMeshbatch(t, "lint", "--no-config", "--cluster", "--cluster-stream", stream, "-f", "concise")
	if !strings.Contains(stdout, "MB610") {
		t.Fatalf("every namespace: no MB610:\n%s", stdout)
	}
	_, stdout, stderr := runMeshbatch(t, "lint", "--no-config", "--cluster", "--cluster-stream", stream, "-n", "batch", "-f", "text")
	if strings.Contains(stdout, "MB610 ") || !strings.Contains(stdout, "silenced by partial input: MB610") {
		t.Errorf("-n batch: MB610 reported, or its silencing not said:\n%s", stdout)
	}
	if !strings.Contains(stderr, "meshbatch: cluster prod-eu: only namespace batch was listed") {
		t.Errorf("-n batch: stderr does not say the run is partial:\n%s", stderr)
	}
}

// TestGivenFactsOverridingTheCluster: a fact in the config file or a
// flag that contradicts the cluster's is said on stderr, with both
// values and the one that wins; one that agrees is not.
func TestGivenFactsOverridingTheCluster(t *testing.T) {
	stream := writeStream(t) // Istio 1.22, Kubernetes 1.30
	cfg := filepath.Join(t.TempDir(), ".meshbatch.yaml")
	if err := os.WriteFile(cfg, []byte("facts:\n  istioVersion: \"1.28\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, stderr := runMeshbatch(t, "lint", "--config", cfg, "--cluster", "--cluster-stream", stream, "-f", "concise", "--kubernetes-version", "1.30.0")
	want := `meshbatch: fact istioVersion: "1.28" from ` + cfg + `:2:3: facts.istioVersion wins over "1.22" from the facts of cluster prod-eu`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say the config's istioVersion wins:\n%s\nwant %q", stderr, want)
	}
	if strings.Contains(stderr, "fact kubernetesVersion") {
		t.Errorf("--kubernetes-version 1.30.0 agrees with the cluster's 1.30, and was said to override it:\n%s", stderr)
	}
	_, _, stderr = runMeshbatch(t, "lint", "--no-config", "--cluster", "--cluster-stream", stream, "-f", "concise", "--istio-version", "1.26")
	if want := `meshbatch: fact istioVersion: "1.26" from --istio-version wins over "1.22" from the facts of cluster prod-eu`; !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say --istio-version wins:\n%s", stderr)
	}
}

// TestLintClusterNewerFields: fields of a newer cluster are no finding:
// a clean cluster whose Pod and VirtualService have fields this
// meshbatch does not know exits 0, and stderr says they were ignored.
func TestLintClusterNewerFields(t *testing.T) {
	stream := writeStreamOf(t, "1.28", []string{
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"tools"}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"debug","namespace":"tools"},"spec":{"futureSpecField":1,"containers":[{"name":"app","image":"tools:1"}]},"status":{"phase":"Running","futureStatusField":"x"}}`,
		`{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"api","namespace":"tools"},"spec":{"hosts":["api"],"futureRouting":{}}}`,
	})
	code, stdout, stderr := runMeshbatch(t, "lint", "--no-config", "--cluster", "--cluster-stream", stream, "-f", "concise", "--kubelet-version", "1.30")
	if code != 0 || strings.Contains(stdout, "MB001") {
		t.Errorf("exit %d, want 0 and no MB001:\n%s\n%s", code, stdout, stderr)
	}
	want := "meshbatch: cluster prod-eu: its objects have fields or values this meshbatch does not know (Pod spec.futureSpecField, Pod status.futureStatusField, " +
		"VirtualService spec.futureRouting): they were ignored (an unknown value leaves its field unset); a newer meshbatch may know them"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr:\n%s\nwant %q", stderr, want)
	}
}

// writeStreamOf writes the stream of context prod-eu, whose facts say
// Istio istioVersion and Kubernetes 1.30, with the objects on one page.
func writeStreamOf(t *testing.T, istioVersion string, objects []string) string {
	t.Helper()
	var buf bytes.Buffer
	w := livestream.NewWriter(&buf)
	w.Frame(livestream.TypeContext, []byte("prod-eu"))
	w.Frame(livestream.TypeFacts, []byte("facts:\n  istioVersion: \""+istioVersion+"\"\n  kubernetesVersion: \"1.30\"\n"))
	w.Frame(livestream.TypeNote, []byte("no node reports a kubelet version"))
	page := make([][]byte, len(objects))
	for i, o := range objects {
		page[i] = []byte(o)
	}
	w.Page(page)
	w.Frame(livestream.TypeEnd, nil)
	file := filepath.Join(t.TempDir(), "cluster.stream")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

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
	want := "meshbatch: cluster prod-eu: its objects have fields this meshbatch does not know (Pod spec.futureSpecField, Pod status.futureStatusField, " +
		"VirtualService spec.futureRouting): they were ignored; a newer meshbatch may know them"
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

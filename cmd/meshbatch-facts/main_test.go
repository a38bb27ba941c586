package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var fixed = func() time.Time { return time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC) }

// TestReadsThroughKubeconfig runs against an API server that answers
// /version and forbids everything else: the output names the context and
// holds the version, stderr says what was forbidden, and nothing of the
// kubeconfig's credentials or server reaches either.
func TestReadsThroughKubeconfig(t *testing.T) {
	const token = "s3cr3t-t0ken-value"
	var sawToken bool
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawToken = sawToken || r.Header.Get("Authorization") == "Bearer "+token
		if r.Method != http.MethodGet {
			t.Errorf("%s %s: facts must only read", r.Method, r.URL.Path)
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/version" {
			fmt.Fprint(w, `{"major":"1","minor":"33","gitVersion":"v1.33.2"}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"forbidden: %s"}`, r.URL.Path)
	}))
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	kubeconfig := filepath.Join(t.TempDir(), "config")
	write(t, kubeconfig, fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: other
contexts:
- name: other
  context: {cluster: nowhere, user: u}
- name: prod-eu
  context: {cluster: c, user: u}
clusters:
- name: c
  cluster: {server: %s, certificate-authority-data: %s}
- name: nowhere
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: %s}
`, srv.URL, base64.StdEncoding.EncodeToString(ca), token))

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--kubeconfig", kubeconfig, "--context", "prod-eu"}, &stdout, &stderr, fixed)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	want := "# meshbatch facts from context prod-eu, 2026-12-06T10:00:00Z\nfacts:\n  kubernetesVersion: \"1.33\"\n"
	if stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want)
	}
	if !sawToken {
		t.Error("the server never saw the kubeconfig's token")
	}
	if !strings.Contains(stderr.String(), "cannot read nodes: forbidden") {
		t.Errorf("stderr does not say nodes were forbidden:\n%s", stderr.String())
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	for _, secret := range []string{token, host, "BEGIN CERTIFICATE", base64.StdEncoding.EncodeToString(ca)[:40]} {
		if strings.Contains(stdout.String(), secret) || strings.Contains(stderr.String(), secret) {
			t.Errorf("the output shows %q from the kubeconfig", secret)
		}
	}

	// -o writes the same to a file, and nothing to stdout.
	out := filepath.Join(t.TempDir(), "facts.yaml")
	stdout.Reset()
	if code := run(context.Background(), []string{"--kubeconfig", kubeconfig, "--context", "prod-eu", "-o", out}, &stdout, &stderr, fixed); code != exitOK {
		t.Fatalf("-o: exit %d", code)
	}
	if data, err := os.ReadFile(out); err != nil || string(data) != want || stdout.Len() != 0 {
		t.Errorf("-o wrote %q (%v), stdout %q", data, err, stdout.String())
	}
}

func TestNoCluster(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), nil, &stdout, &stderr, fixed); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr.String(), "no cluster to read: KUBECONFIG="+os.Getenv("KUBECONFIG")+" names no file that exists") || stdout.Len() != 0 {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	t.Setenv("KUBECONFIG", "")
	stderr.Reset()
	if code := run(context.Background(), nil, &stdout, &stderr, fixed); code != exitUsage {
		t.Errorf("no KUBECONFIG: exit %d, want %d", code, exitUsage)
	}
	if want := "meshbatch facts: no cluster to read: no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod; give --kubeconfig FILE or set KUBECONFIG\n"; stderr.String() != want {
		t.Errorf("no KUBECONFIG: stderr %q, want %q", stderr.String(), want)
	}
	if code := run(context.Background(), []string{"extra"}, &stdout, &stderr, fixed); code != exitUsage {
		t.Errorf("an argument: exit %d, want %d", code, exitUsage)
	}
}

func write(t *testing.T, file, data string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestKubeconfigErrors: a kubeconfig that does not give a cluster is said
// with the file, the context and what to do, in the words of the command
// the user ran (--list is lint --cluster's), and exits 2 without a read.
func TestKubeconfigErrors(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	dir := t.TempDir()
	config := func(name, body string) string {
		f := filepath.Join(dir, name)
		write(t, f, "apiVersion: v1\nkind: Config\n"+body)
		return f
	}
	const clusters = "clusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\nusers:\n- name: u\n  user: {token: x}\n"
	good := config("good", "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n- name: b\n  context: {cluster: c, user: u}\n"+clusters)
	noCurrent := config("nocurrent", "contexts:\n- name: a\n  context: {cluster: c, user: u}\n"+clusters)
	noCluster := config("nocluster", "current-context: a\ncontexts:\n- name: a\n  context: {cluster: gone, user: u}\n"+clusters)
	broken := filepath.Join(dir, "broken")
	write(t, broken, "clusters: [\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"--kubeconfig", filepath.Join(dir, "none")}, "--kubeconfig " + filepath.Join(dir, "none") + ": no such file; give the path of a kubeconfig"},
		{"a directory", []string{"--kubeconfig", dir}, "--kubeconfig " + dir + " is a directory; give the path of a kubeconfig file"},
		{"not YAML", []string{"--kubeconfig", broken}, "the kubeconfig (--kubeconfig " + broken + ") does not load: "},
		{"unknown context", []string{"--kubeconfig", good, "--context", "nope"}, `no context "nope" in the kubeconfig (--kubeconfig ` + good + `): it has a, b (kubectl config get-contexts)`},
		{"no current context", []string{"--kubeconfig", noCurrent}, "the kubeconfig (--kubeconfig " + noCurrent + ") sets no current context: choose one with --context (it has a)"},
		{"context without cluster", []string{"--kubeconfig", noCluster}, `context "a" names cluster "gone", which the kubeconfig (--kubeconfig ` + noCluster + `) does not define`},
		{"unreachable", []string{"--kubeconfig", good, "--context", "b"}, "cannot reach the API server of context b: dial tcp 127.0.0.1:1: connect: connection refused; " +
			"check that the cluster is up and that the context's server and certificate authority are right (`kubectl --kubeconfig " + good + " --context b cluster-info`)"},
	} {
		for _, list := range []bool{false, true} {
			prog, args := "meshbatch facts: ", tc.args
			if list {
				prog, args = "meshbatch lint --cluster: ", append([]string{"--list"}, args...)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, &stdout, &stderr, fixed)
			if code != exitUsage || stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), prog+tc.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("%s %q: exit %d, stdout %q, stderr:\n%s\nwant exit 2, nothing on stdout and one line: %s%s", tc.name, args, code, stdout.String(), stderr.String(), prog, tc.want)
			}
		}
	}
}

// TestUnauthorized: credentials the API server refuses stop the run
// before any read, with what to do.
func TestUnauthorized(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401,"message":"Unauthorized"}`)
	}))
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	kubeconfig := filepath.Join(t.TempDir(), "config")
	write(t, kubeconfig, fmt.Sprintf("apiVersion: v1\nkind: Config\ncurrent-context: prod-eu\ncontexts:\n- name: prod-eu\n  context: {cluster: c, user: u}\n"+
		"clusters:\n- name: c\n  cluster: {server: %s, certificate-authority-data: %s}\nusers:\n- name: u\n  user: {token: expired}\n", srv.URL, base64.StdEncoding.EncodeToString(ca)))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--list", "--kubeconfig", kubeconfig}, &stdout, &stderr, fixed)
	want := "meshbatch lint --cluster: the API server of context prod-eu refuses its credentials (401 Unauthorized): log in again or renew the kubeconfig user's token or certificate, and check with `kubectl --kubeconfig " + kubeconfig + " get namespaces`\n"
	if code != exitUsage || stdout.Len() != 0 || stderr.String() != want {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant 2, nothing and:\n%s", code, stdout.String(), stderr.String(), want)
	}
}

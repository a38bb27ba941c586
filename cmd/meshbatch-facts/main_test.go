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
	if !strings.Contains(stderr.String(), "no cluster to read") || stdout.Len() != 0 {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
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

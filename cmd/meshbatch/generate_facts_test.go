package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateWithFacts: --facts fills the versions and trust domain a
// spec leaves out, from the revision serving its namespace, and says so;
// what the spec gives stays.
func TestGenerateWithFacts(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "job.yaml")
	facts := filepath.Join(dir, "facts.yaml")
	for name, text := range map[string]string{
		spec: `apiVersion: meshbatch.dev/v1alpha1
kind: BatchJob
metadata: {name: report, namespace: legacy}
spec:
  image: registry.example.com/report:1
  command: [/report]
  mesh: {kubernetesVersion: "1.30"}
`,
		facts: `facts:
  istioVersion: "1.28"
  kubernetesVersion: "1.33"
  kubeletVersion: "1.29"
  trustDomain: prod.example.com
revisions:
  1-26-3:
    facts: {istioVersion: "1.26"}
namespaces:
  legacy: {injection: sidecar, revision: 1-26-3}
`,
	} {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"generate", "-f", spec, "--facts", facts}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	for _, want := range []string{`spec.mesh.istioVersion "1.26" (revision 1-26-3, which serves namespace legacy)`, `spec.mesh.trustDomain "prod.example.com"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say it filled %s:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "kubernetesVersion") {
		t.Errorf("the spec gives kubernetesVersion, yet stderr says it was filled:\n%s", stderr.String())
	}
	if want := `meshbatch.dev/facts: '{"istioVersion":"1.26","kubernetesVersion":"1.30","kubeletVersion":"1.29","trustDomain":"prod.example.com"}'`; !strings.Contains(stdout.String(), want) {
		t.Errorf("the manifests lack %s:\n%s", want, stdout.String())
	}

	// Without kubernetesVersion in the spec, the API server's is taken, and
	// the oldest kubelet's with it.
	text, _ := os.ReadFile(spec)
	if err := os.WriteFile(spec, []byte(strings.Replace(string(text), `mesh: {kubernetesVersion: "1.30"}`, "mesh: {}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"generate", "-f", spec, "--facts", facts}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	for _, want := range []string{`spec.mesh.kubernetesVersion "1.33"`, `spec.mesh.kubeletVersion "1.29" (the oldest node's)`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %s:\n%s", want, stderr.String())
		}
	}
}

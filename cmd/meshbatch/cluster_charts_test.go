package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes files (path: content) under a new directory and
// returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLintClusterChartKubeVersion: with --cluster, a chart's templates
// see the cluster's Kubernetes version in .Capabilities.KubeVersion (the
// stream's facts say 1.30), and --kubernetes-version still wins over it.
// The template fails with the version it sees, so that the MB001
// message shows it.
func TestLintClusterChartKubeVersion(t *testing.T) {
	stream := writeStream(t) // Kubernetes 1.30
	dir := writeFiles(t, map[string]string{
		"chart/Chart.yaml":          "apiVersion: v2\nname: kv\nversion: 0.1.0\n",
		"chart/templates/kube.yaml": "{{ fail (printf \"templates see Kubernetes %s\" .Capabilities.KubeVersion.Version) }}\n",
	})
	chart := filepath.Join(dir, "chart")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "templates see Kubernetes v1.30.0"},
		{[]string{"--kubernetes-version", "1.31"}, "templates see Kubernetes v1.31.0"},
	} {
		args := append([]string{"lint", "--no-config", "--cluster", "--cluster-stream", stream, "-f", "concise", chart}, tc.args...)
		_, stdout, stderr := runMeshbatch(t, args...)
		if !strings.Contains(stdout, tc.want) {
			t.Errorf("%q: no %q in the report:\n%s%s", tc.args, tc.want, stdout, stderr)
		}
	}
}

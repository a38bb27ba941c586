package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestArticle lints the article's manifests (testdata/article at the
// repository root) and compares the report with its golden file: every
// problem the article discusses must stay caught, at the line it is on.
func TestArticle(t *testing.T) {
	t.Chdir("../..")
	t.Setenv("COLUMNS", "") // the report's width is the default, 100 columns
	const golden = "testdata/article.golden.txt"
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"lint", "--no-config",
		"--istio-version", "1.22", "--kubernetes-version", "1.28", "--outbound-policy", "REGISTRY_ONLY",
		"testdata/article"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitFindings {
		t.Errorf("exit code %d, want %d (error findings); stderr:\n%s", code, exitFindings, stderr.String())
	}
	if *update {
		if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(stdout.String(), "\n")); diff != "" {
		t.Errorf("lint report differs from %s (-want +got; -update rewrites it):\n%s", golden, diff)
	}
	for _, id := range []string{"MB101", "MB104", "MB107", "MB302", "MB401", "MB404", "MB506", "MB513", "MB601", "MB603"} {
		if !strings.Contains(stdout.String(), " "+id+" ") {
			t.Errorf("the article's %s problem is no longer reported", id)
		}
	}
}

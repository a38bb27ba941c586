package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCode pins the mapping from command errors to exit codes.
func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		code      int
		printed   bool // the error is printed to stderr
		substring string
	}{
		{"success", nil, exitOK, false, ""},
		{"findings", errFindings, exitFindings, false, ""},
		{"wrapped findings", fmt.Errorf("lint: %w", errFindings), exitFindings, false, ""},
		{"generate --check out of date", errOutOfDate, exitFindings, false, ""},
		{"usage error", usagef("--fail-on: bad"), exitUsage, true, "meshbatch: --fail-on: bad"},
		{"any other error", errors.New("disk full"), exitUsage, true, "meshbatch: disk full"},
		{"cancelled", context.Canceled, exitUsage, true, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := exitCode(tc.err, &stderr); got != tc.code {
				t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.code)
			}
			if printed := stderr.Len() > 0; printed != tc.printed || !strings.Contains(stderr.String(), tc.substring) {
				t.Errorf("stderr = %q, want printed=%v containing %q", stderr.String(), tc.printed, tc.substring)
			}
		})
	}
}

// TestLintExitCodes runs the real command: the exit code depends on
// --fail-on and never on --format or --min-severity (istioctl #35054).
func TestLintExitCodes(t *testing.T) {
	dir := t.TempDir()
	job := `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers: [{name: etl, image: etl:1}]
`
	files := map[string]string{
		"error.yaml": job, // MB101 error with the facts below
		// the app stops its proxy (no MB101), which is not sized: MB301 warning
		"warn.yaml":  strings.Replace(job, "image: etl:1}", "image: etl:1, command: [sh, -c, \"etl; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit\"]}", 1),
		"clean.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: batch}\n",
		".meshbatch.yaml": "rules: {disable: [\"*\"], enable: [MB101, MB301]}\n" +
			"facts: {istioVersion: \"1.22\", kubernetesVersion: \"1.30\"}\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, tc := range []struct {
		file, failOn string
		code         int
	}{
		{"error.yaml", "error", exitFindings},
		{"error.yaml", "warning", exitFindings},
		{"error.yaml", "info", exitFindings},
		{"error.yaml", "none", exitOK},
		{"warn.yaml", "error", exitOK},
		{"warn.yaml", "warning", exitFindings},
		{"warn.yaml", "info", exitFindings},
		{"warn.yaml", "none", exitOK},
		{"clean.yaml", "info", exitOK},
		{"missing.yaml", "none", exitUsage},
	} {
		for _, format := range []string{"text", "json", "sarif", "github", "junit"} {
			for _, minSev := range []string{"info", "error"} {
				args := []string{"lint", "--fail-on", tc.failOn, "--format", format, "--min-severity", minSev, tc.file}
				var out, errOut bytes.Buffer
				got := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
				if got != tc.code {
					t.Errorf("meshbatch %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), got, tc.code, errOut.String())
				}
			}
		}
	}
	// Usage errors are 2 whatever else is going on.
	for _, args := range [][]string{
		{"lint"},
		{"lint", "--fail-on", "sometimes", "error.yaml"},
		{"lint", "--format", "xml", "error.yaml"},
		{"lint", "--no-such-flag", "error.yaml"},
		{"lint", "--config", "nope.yaml", "error.yaml"},
		{"lint", "--suppress", "MB999", "error.yaml"},
		{"rules", "explain", "MB999"},
		{"no-such-command"},
	} {
		var out, errOut bytes.Buffer
		if got := run(context.Background(), args, strings.NewReader(""), &out, &errOut); got != exitUsage {
			t.Errorf("meshbatch %s: exit %d, want %d", strings.Join(args, " "), got, exitUsage)
		}
		if errOut.Len() == 0 {
			t.Errorf("meshbatch %s: no error message", strings.Join(args, " "))
		}
	}
}

package checks_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// TestQuitWrapperFixRuns runs the command MB101's fix wrote into
// bad_shell_command.fixed.yaml, with the app's script swapped for one that
// fails: the app runs, the wrapper tries to stop the proxy (there is none
// here, so it says so) and exits with the app's code.
func TestQuitWrapperFixRuns(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	data, err := os.ReadFile(filepath.Join("testdata", "MB101", "bad_shell_command.fixed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	chunks := manifest.SplitDocuments(data)
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(chunks[0].Data, &job); err != nil {
		t.Fatal(err)
	}
	argv := job.Spec.Template.Spec.Containers[0].Command
	if len(argv) != 7 || argv[len(argv)-1] != `exec /app/etl --date "$RUN_DATE"` {
		t.Fatalf("the fixed command is not the wrapper around the app's: %q", argv)
	}
	argv[len(argv)-1] = "echo app ran; exit 3"
	cmd := exec.Command("sh", argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 3 || stdout.String() != "app ran\n" || !strings.Contains(stderr.String(), "could not stop istio-proxy") {
		t.Errorf("exit %v, stdout %q, stderr %q; want exit 3 after the app ran and a try to stop the proxy", err, stdout.String(), stderr.String())
	}
}

package generate

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestClassicWrapper runs the wrapper that classic-sidecar pods get under
// the system's /bin/sh, with a fake curl that records its arguments: the
// app's exit code is kept, and the proxy is told to quit whatever the
// outcome, including when the pod is stopped with SIGTERM.
func TestClassicWrapper(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	cases := []struct {
		name     string
		app      []string
		sigterm  bool
		wantCode int
	}{
		{name: "success", app: []string{"sh", "-c", "exit 0"}, wantCode: 0},
		{name: "failure", app: []string{"sh", "-c", "echo boom >&2; exit 3"}, wantCode: 3},
		{name: "arguments are passed as they are", app: []string{"sh", "-c", `[ "$1" = "a b" ] && [ "$2" = '$HOME' ]`, "x", "a b", "$HOME"}, wantCode: 0},
		{name: "missing program", app: []string{"/does/not/exist"}, wantCode: 127},
		{name: "SIGTERM reaches the app", app: []string{"sh", "-c", `trap 'exit 42' TERM; touch "$READY"; while :; do sleep 0.05; done`}, sigterm: true, wantCode: 42},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			calls := filepath.Join(bin, "calls")
			fakeCurl := "#!/bin/sh\necho \"$*\" >> " + calls + "\n"
			if err := os.WriteFile(filepath.Join(bin, "curl"), []byte(fakeCurl), 0o755); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"-c", classicWrapper, wrapperName}, tc.app...)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "/bin/sh", args...) // killed rather than hang
			ready := filepath.Join(bin, "ready")
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "READY="+ready)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tc.sigterm {
				waitForFile(t, ready) // the app has set its trap
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			}
			err := cmd.Wait()
			code := 0
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) {
				code = exitErr.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			recorded, err := os.ReadFile(calls)
			if err != nil {
				t.Fatalf("curl was not called: %v", err)
			}
			if got, want := strings.TrimSpace(string(recorded)), strings.TrimPrefix(QuitCommand, "curl "); got != want {
				t.Errorf("curl called with %q, want %q", got, want)
			}
		})
	}
}

func waitForFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s did not appear", path)
}

// TestClassicWrapperEarlySignal: a SIGTERM that arrives while the wrapper
// is still starting the app is not lost.
func TestClassicWrapperEarlySignal(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "curl"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Send the signal to the wrapper from the app itself before the app
	// sets its own trap: the wrapper's trap must still stop the app.
	app := `kill -TERM $PPID; trap 'exit 42' TERM; i=0; while [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; exit 7`
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", classicWrapper, wrapperName, "sh", "-c", app)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	err := cmd.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || (exitErr.ExitCode() != 42 && exitErr.ExitCode() != 143) {
		t.Fatalf("err = %v; want the app stopped by the forwarded SIGTERM (exit 42, or 143 if it came before the app's trap)", err)
	}
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// The fake meshbatch-facts writes the file FAKE_FACTS_STDOUT to stdout
// and FAKE_FACTS_STDERR to stderr, then exits with FAKE_FACTS_EXIT.
const (
	fakeStdout = "FAKE_FACTS_STDOUT"
	fakeStderr = "FAKE_FACTS_STDERR"
	fakeExit   = "FAKE_FACTS_EXIT"
)

func fakeFactsMain() {
	if f := os.Getenv(fakeStdout); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fake meshbatch-facts:", err)
			os.Exit(3)
		}
		os.Stdout.Write(data)
	}
	io.WriteString(os.Stderr, os.Getenv(fakeStderr))
	code, _ := strconv.Atoi(os.Getenv(fakeExit))
	os.Exit(code)
}

// fakeFacts puts a meshbatch-facts on PATH, alone there, that writes
// stdout (a file's content, "" for nothing) and stderr and exits with
// code, as a meshbatch-facts --list that failed or broke off would.
func fakeFacts(t *testing.T, stdout, stderr string, code int) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake is a link to the test binary")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(self, filepath.Join(dir, factsBinary)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv(fakeStdout, stdout)
	t.Setenv(fakeStderr, stderr)
	t.Setenv(fakeExit, strconv.Itoa(code))
}

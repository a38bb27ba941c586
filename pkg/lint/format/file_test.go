package format

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestWriteFileIsAtomic: a report that fails half-way leaves the old
// report (or no file) and no temporary file; one that succeeds replaces
// it and keeps its permissions.
func TestWriteFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.sarif")
	fail := func(w io.Writer) error {
		io.WriteString(w, "half a rep")
		return errors.New("disk full")
	}
	if err := WriteFile(path, fail); err == nil {
		t.Fatal("no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed first write left %v", entries)
	}
	if err := WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "old"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, fail); err == nil {
		t.Fatal("no error")
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Errorf("a failed write changed the report to %q", data)
	}
	if err := WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	if data, _ := os.ReadFile(path); string(data) != "new" || info.Mode().Perm() != 0o640 {
		t.Errorf("report %q, mode %v; want \"new\", 0640", data, info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %v, want the report alone", entries)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "r.json"), fail); err == nil {
		t.Error("no error for a missing directory")
	}
}

// TestWriteFileToAPipe: a named pipe (like /dev/stdout) is written in
// place, not replaced by a file.
func TestWriteFileToAPipe(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes")
	}
	path := filepath.Join(t.TempDir(), "pipe")
	if err := mkfifo(path); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			got <- err.Error()
			return
		}
		data, _ := io.ReadAll(f)
		f.Close()
		got <- string(data)
	}()
	if err := WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "report"); return err }); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "report" {
			t.Errorf("read %q from the pipe", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing read from the pipe")
	}
	if info, err := os.Lstat(path); err != nil || info.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", info.Mode(), err)
	}
}

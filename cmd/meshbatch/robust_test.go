package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The hostile inputs a txtar script cannot hold (bytes that are not text,
// huge files, pipes, sockets, unreadable paths) are made here, at test
// time, in t.TempDir(). Each case checks the exit code and the messages,
// and that the run ends: a case that hangs fails after runTimeout.

const runTimeout = 20 * time.Second

const saYAML = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: etl, namespace: batch}\n"

// result is one finished run of the command.
type result struct {
	code           int
	stdout, stderr string
}

// runIn runs meshbatch in dir with stdin, failing the test if it does not
// finish within runTimeout.
func runIn(t *testing.T, dir string, stdin io.Reader, args ...string) result {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	done := make(chan result, 1)
	go func() {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, stdin, &out, &errOut)
		done <- result{code, out.String(), errOut.String()}
	}()
	select {
	case r := <-done:
		for _, s := range []string{r.stdout, r.stderr} {
			if strings.Contains(s, "goroutine ") || strings.Contains(s, "panic") {
				t.Fatalf("meshbatch %s crashed:\n%s", strings.Join(args, " "), s)
			}
		}
		return r
	case <-time.After(runTimeout):
		t.Fatalf("meshbatch %s did not finish in %v", strings.Join(args, " "), runTimeout)
	}
	return result{}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// want checks a run's exit code and that each pattern matches a line of
// stdout (patterns starting with "stderr:" match stderr).
func (r result) want(t *testing.T, code int, patterns ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, p := range patterns {
		out := r.stdout
		if rest, ok := strings.CutPrefix(p, "stderr:"); ok {
			p, out = rest, r.stderr
		}
		if !regexp.MustCompile("(?m)" + p).MatchString(out) {
			t.Errorf("no line matches %q in\n%s", p, out)
		}
	}
}

// TestHostileBytes: files that are not UTF-8 YAML text are MB001 findings
// at the right line; a BOM and CRLF line endings are read as text.
func TestHostileBytes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".meshbatch.yaml"), []byte("rules: {disable: [\"*\"]}\n"))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(i*7919>>3) ^ byte(i)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), random[:256]...)
	files := map[string][]byte{
		"in/latin1.yaml":   []byte("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: caf\xe9, namespace: batch}\n"),
		"in/nul.yaml":      []byte(saYAML + "---\napiVersion: v1\nkind: Service\x00Account\n"),
		"in/image.yaml":    png,
		"in/random.yml":    random,
		"in/utf16.yaml":    utf16LE("\ufeff" + saYAML),
		"in/bom.yaml":      []byte("\ufeff" + saYAML),
		"in/crlf.yaml":     []byte(strings.ReplaceAll("# crlf\n"+saYAML+"---\n"+saYAML+"---\nbad: [\n", "\n", "\r\n")),
		"in/bom-crlf.yaml": []byte("\ufeff" + strings.ReplaceAll(saYAML, "\n", "\r\n")),
	}
	for name, data := range files {
		writeFile(t, filepath.Join(dir, name), data)
	}
	r := runIn(t, dir, nil, "lint", "--format", "concise", "in")
	r.want(t, exitFindings,
		`^in/latin1.yaml:3:21: error MB001 invalid-input: not UTF-8 text \(a binary file, or another encoding\?\)`,
		`^in/nul.yaml:6:14: error MB001 invalid-input: control character U\+0000 is not allowed in YAML \(a binary file\?\)`,
		`^in/image.yaml:1:1: error MB001 invalid-input: not UTF-8 text`,
		`^in/random.yml:\d+:\d+: error MB001 invalid-input: (not UTF-8 text|control character)`,
		`^in/crlf.yaml:10:1: error MB001 invalid-input: did not find expected node content`,
		// the BOM files, both CRLF documents, UTF-16, and the document
		// before the NUL byte are read
		`^5 errors, 0 warnings, 0 infos in 6 objects from 8 files$`,
	)
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
	// The full form shows the source lines of the same files: escaped,
	// and none of a file that is not text.
	r = runIn(t, dir, nil, "lint", "in")
	r.want(t, exitFindings,
		`^in/nul.yaml:6:14: error MB001 invalid-input$`,
		`^6 \| kind: …$`,
		`^10 \| bad: …$`,
		`^5 errors, 0 warnings, 0 infos in 6 objects from 8 files$`)
	if strings.ContainsAny(r.stdout, "\x00\x1a\ufffd") {
		t.Errorf("the text report shows raw bytes of the input:\n%q", r.stdout)
	}
}

// utf16LE encodes s as UTF-16 little-endian, which YAML allows with a BOM.
func utf16LE(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

// TestHugeFile: a file over --max-file-size is refused from its size,
// without reading it, as an unreadable path (exit 2) after the others were
// linted; raising the limit reads it.
func TestHugeFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in/sa.yaml"), []byte(saYAML))
	huge := filepath.Join(dir, "in/huge.yaml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	// 300 MB, sparse: nothing is written to disk.
	if err := f.Truncate(300 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	start := time.Now()
	r := runIn(t, dir, nil, "lint", "--no-config", "in")
	r.want(t, exitUsage,
		`^0 errors, 0 warnings, 0 infos in 1 object from 1 file \(1 input not read\)$`,
		`stderr:^meshbatch: in/huge.yaml: 300 MiB, over the limit of 64 MiB, so not read; raise it with --max-file-size if this is a real manifest$`,
		`stderr:^meshbatch: 1 input path\(s\) could not be read$`,
	)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing a huge file took %v: was it read?", d)
	}
	// A small limit refuses a small file too; a high one reads the big
	// one (its NUL bytes are then an MB001 finding: exit 1).
	writeFile(t, huge, bytes.Repeat([]byte{0}, 100<<10))
	runIn(t, dir, nil, "lint", "--no-config", "--max-file-size", "64K", "in").want(t, exitUsage,
		`stderr:^meshbatch: in/huge.yaml: 100 KiB, over the limit of 64 KiB`)
	runIn(t, dir, nil, "lint", "--no-config", "--format", "concise", "--max-file-size", "1M", "in").want(t, exitFindings,
		`^in/huge.yaml:1:1: error MB001 invalid-input: control character U\+0000`)
	for _, bad := range []string{"0", "-5", "lots"} {
		r := runIn(t, dir, nil, "lint", "--no-config", "--max-file-size", bad, "in")
		r.want(t, exitUsage, `stderr:^meshbatch: invalid argument "`+bad+`" for "--max-file-size" flag`)
		if r.stdout != "" {
			t.Errorf("--max-file-size %s: linted anyway:\n%s", bad, r.stdout)
		}
	}
}

// TestSpecialFilesInAWalk: a named pipe and a socket in a directory are
// skipped (reading a pipe would block the run forever), even with a .yaml
// name or behind a link.
func TestSpecialFilesInAWalk(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes or Unix sockets in the file system on Windows")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in/sa.yaml"), []byte(saYAML))
	if err := mkfifo(filepath.Join(dir, "in/pipe.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("pipe.yaml", filepath.Join(dir, "in/link-to-pipe.yaml")); err != nil {
		t.Fatal(err)
	}
	// Socket paths are limited to about 100 bytes: bind in a short
	// directory and move the socket into the tree.
	sockDir, err := os.MkdirTemp("", "mb")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sockDir)
	l, err := net.Listen("unix", filepath.Join(sockDir, "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Rename(filepath.Join(sockDir, "s"), filepath.Join(dir, "in/socket.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "in/dir.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	runIn(t, dir, nil, "lint", "--no-config", "in").want(t, exitOK,
		`^0 errors, 0 warnings, 0 infos in 1 object from 1 file$`)
}

// TestUnreadablePaths: a file or folder that cannot be read is exit 2,
// named on stderr, after the rest was linted. Root reads files and folders
// whatever their mode, so as root the unreadable file is one whose read
// fails (/proc/self/mem at offset 0) and the path is one too long to open;
// the unreadable folder needs a user without root's override.
func TestUnreadablePaths(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in/sa.yaml"), []byte(saYAML))
	var wantErr []string
	if os.Geteuid() != 0 && runtime.GOOS != "windows" {
		writeFile(t, filepath.Join(dir, "in/secret.yaml"), []byte(saYAML))
		writeFile(t, filepath.Join(dir, "in/locked/x.yaml"), []byte(saYAML))
		for _, p := range []string{"in/secret.yaml", "in/locked"} {
			if err := os.Chmod(filepath.Join(dir, p), 0); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(filepath.Join(dir, p), 0o755)
		}
		wantErr = append(wantErr,
			`stderr:^meshbatch: in/secret.yaml: permission denied$`,
			`stderr:^meshbatch: in/locked: permission denied$`,
			`stderr:^meshbatch: 2 input path\(s\) could not be read$`)
	} else if _, err := os.Stat("/proc/self/mem"); err == nil {
		if err := os.Symlink("/proc/self/mem", filepath.Join(dir, "in/mem.yaml")); err != nil {
			t.Fatal(err)
		}
		wantErr = append(wantErr,
			`stderr:^meshbatch: in/mem.yaml: input/output error$`,
			`stderr:^meshbatch: 1 input path\(s\) could not be read$`)
		t.Log("running as root: an unreadable folder cannot be made; the unreadable file is /proc/self/mem")
	} else {
		t.Skip("running as root without /proc: no way to make a path root cannot read")
	}
	r := runIn(t, dir, nil, "lint", "--no-config", "in")
	r.want(t, exitUsage, append(wantErr, `^0 errors, 0 warnings, 0 infos in 1 object from 1 file \(1 input not read\)$`)...)

	long := strings.Repeat("x", 300) + ".yaml"
	runIn(t, dir, nil, "lint", "--no-config", long, "in/sa.yaml").want(t, exitUsage,
		`stderr:^meshbatch: x+\.yaml: file name too long$`,
		`^0 errors, 0 warnings, 0 infos in 1 object from 1 file \(1 input not read\)$`)
}

// failingReader is a standard input that cannot be read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) {
	return 0, errors.New("read /dev/stdin: bad file descriptor")
}

// TestUnreadableStdin: a closed or failing standard input is an unreadable
// path (exit 2), and a file next to it is still linted.
func TestUnreadableStdin(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "sa.yaml"), []byte(saYAML))
	closed, err := os.Open(filepath.Join(dir, "sa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	for name, stdin := range map[string]io.Reader{"closed": closed, "failing": failingReader{}} {
		t.Run(name, func(t *testing.T) {
			runIn(t, dir, stdin, "lint", "--no-config", "-", "sa.yaml").want(t, exitUsage,
				`stderr:^meshbatch: <stdin>: `,
				`stderr:^meshbatch: 1 input path\(s\) could not be read$`,
				`^0 errors, 0 warnings, 0 infos in 1 object from 1 file \(1 input not read\)$`)
		})
	}
}

// TestHostileConfig: a config file that is a pipe, huge, or an alias bomb
// is a usage error (exit 2) that names it, not a hang or a crash.
func TestHostileConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "sa.yaml"), []byte(saYAML))
	bomb := "a: &a [MB101, MB101, MB101, MB101, MB101, MB101, MB101, MB101, MB101, MB101]\n"
	for i := 1; i < 9; i++ {
		bomb += string(rune('a'+i)) + ": &" + string(rune('a'+i)) + " [" + strings.TrimSuffix(strings.Repeat("*"+string(rune('a'+i-1))+", ", 10), ", ") + "]\n"
	}
	writeFile(t, filepath.Join(dir, "bomb.yaml"), []byte(bomb+"rules: {disable: *i}\n"))
	writeFile(t, filepath.Join(dir, "huge.yaml"), []byte("rules: {disable: [MB101]}\n"+strings.Repeat("# padding\n", 200_000)))
	runIn(t, dir, nil, "lint", "--config", "bomb.yaml", "sa.yaml").want(t, exitUsage,
		`stderr:^meshbatch: bomb.yaml:\d+:\d+: aliases expand this document past`)
	runIn(t, dir, nil, "lint", "--config", "huge.yaml", "sa.yaml").want(t, exitUsage,
		`stderr:^meshbatch: config huge.yaml: larger than 1048576 bytes: is this the config file\?$`)

	if runtime.GOOS == "windows" {
		return
	}
	pipeDir := filepath.Join(dir, "pipe")
	writeFile(t, filepath.Join(pipeDir, "sa.yaml"), []byte(saYAML))
	if err := mkfifo(filepath.Join(pipeDir, ".meshbatch.yaml")); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, pipeDir, nil, "lint", "sa.yaml")
	r.want(t, exitUsage, `stderr:^meshbatch: .*\.meshbatch\.yaml: not a regular file \(p---------\); pass --config or --no-config$`)
	runIn(t, pipeDir, nil, "lint", "--no-config", "sa.yaml").want(t, exitOK)
}

// snapshotTree lists every file under dir with its content, links with
// their target, so that a failed run can be shown to have changed nothing.
func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.IsDir():
			out[rel+"/"] = ""
		case d.Type()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(data)
		default:
			out[rel] = d.Type().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileSpecs: generate given a spec it cannot use exits 2, says
// where, writes nothing (the output directory, with a generated and a
// hand-written file in it, is left as it was) and echoes no env value.
func TestHostileSpecs(t *testing.T) {
	dir := t.TempDir()
	good := "apiVersion: meshbatch.dev/v1alpha1\nkind: BatchJob\nmetadata: {name: etl, namespace: batch}\n" +
		"spec:\n  image: etl:1\n  command: [/etl]\n  mesh: {dataplane: sidecar}\n"
	writeFile(t, filepath.Join(dir, "good.yaml"), []byte(good))
	if r := runIn(t, dir, nil, "generate", "-f", "good.yaml", "-o", "deploy"); r.code != exitOK {
		t.Fatalf("setup: %+v", r)
	}
	writeFile(t, filepath.Join(dir, "deploy/handwritten.yaml"), []byte("# mine\n"))
	before := snapshotTree(t, filepath.Join(dir, "deploy"))

	bomb := "x0: &a0 [a, a, a, a, a, a, a, a, a, a]\n"
	for i := 1; i < 9; i++ {
		bomb += "x" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.TrimSuffix(strings.Repeat("*a"+string(rune('0'+i-1))+", ", 10), ", ") + "]\n"
	}
	const secret = "s3cr3t-Pa55w0rd-value"
	for _, tc := range []struct {
		name string
		spec []byte
		msg  string // regexp for the first stderr line, after "spec.yaml:"
	}{
		{"alias bomb", []byte(good + bomb), `\d+:\d+: aliases expand this document past`},
		{"deep nesting", []byte(good + "x: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n"), `8:\d+: document nests deeper than 32 levels`},
		{"binary", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), `1:1: control character U\+007F is not allowed in YAML \(a binary file\?\)`},
		{"not UTF-8", []byte(strings.Replace(good, "etl:1", "\xe9tl:1", 1)), `5:10: not UTF-8 text`},
		{"too big", []byte(good + strings.Repeat("# padding\n", 120_000)), `1:1: the file is \d+ bytes; a job spec is at most 1048576`},
		{"empty", nil, `1:1: the file is empty`},
		{"a scalar", []byte("etl\n"), `1:1: a job spec is a mapping`},
		{"a list", []byte("- etl\n"), `1:1: a job spec is a mapping`},
		{"two documents", []byte(good + "---\n" + good), `9:1: a spec file holds one BatchJob`},
		{"tabs", []byte(strings.Replace(good, "  image", "\timage", 1)), `5:1: found character that cannot start any token \(a tab`},
		{"duplicate key", []byte(good + "spec: {}\n"), `8:1: duplicate key "spec" \(first at line 4\)`},
		{"env value a number", []byte(good + "  env: [{name: DB_PASSWORD, value: 12345678}]\n"), `8:\d+: spec.env\[0\].value: expected a string, found a number \(quote it\)$`},
		{"env value a mapping", []byte(good + "  env: [{name: API_TOKEN, value: {v: " + secret + "}}]\n"), `8:\d+: spec.env\[0\].value: expected a string, found a mapping`},
		{"env value a bool tag", []byte(good + "  env: [{name: API_KEY, value: !!bool " + secret + "}]\n"), `8:\d+: tagged !!bool but not a boolean`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, filepath.Join(dir, "spec.yaml"), tc.spec)
			for _, args := range [][]string{
				{"generate", "-f", "spec.yaml", "-o", "deploy"},
				{"generate", "-f", "spec.yaml", "-o", "deploy", "--force"},
				{"generate", "-f", "spec.yaml", "-o", "deploy", "--check"},
				{"generate", "-f", "spec.yaml"},
			} {
				r := runIn(t, dir, nil, args...)
				r.want(t, exitUsage, `stderr:^spec.yaml:`+tc.msg, `stderr:^meshbatch: spec.yaml: \d+ problems? in the job spec; nothing was written$`)
				if r.stdout != "" {
					t.Errorf("%s: stdout:\n%s", strings.Join(args, " "), r.stdout)
				}
				for _, leak := range []string{secret, "12345678"} {
					if strings.Contains(r.stderr, leak) {
						t.Errorf("%s: stderr echoes an env value:\n%s", strings.Join(args, " "), r.stderr)
					}
				}
			}
			if diff := cmpMaps(before, snapshotTree(t, filepath.Join(dir, "deploy"))); diff != "" {
				t.Errorf("the output directory changed:\n%s", diff)
			}
		})
	}
	// A directory holds specs; one without any is an error, also exit 2.
	if err := os.Mkdir(filepath.Join(dir, "dir.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	runIn(t, dir, nil, "generate", "-f", "dir.yaml", "-o", "deploy").want(t, exitUsage, `stderr:^meshbatch: dir.yaml: no \.yaml or \.yml job spec in this directory`)
	if diff := cmpMaps(before, snapshotTree(t, filepath.Join(dir, "deploy"))); diff != "" {
		t.Errorf("the output directory changed:\n%s", diff)
	}
}

func cmpMaps(a, b map[string]string) string {
	var diff []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			diff = append(diff, "removed "+k)
		} else if v != w {
			diff = append(diff, "changed "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			diff = append(diff, "added "+k)
		}
	}
	return strings.Join(diff, "\n")
}

// TestNoTerminalInjection: file names, object names and values with line
// breaks, escape sequences or bidi overrides cannot start a GitHub Actions
// workflow command, recolour or hide lines, in the text and github
// formats or on stderr.
func TestNoTerminalInjection(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file names cannot hold line breaks on Windows")
	}
	dir := t.TempDir()
	evil := "x\n::warning file=evil.yaml::pwned\x1b[2K\u202e"
	writeFile(t, filepath.Join(dir, "in", "a\n::error::b\x1b[1m.yaml"), []byte(
		"apiVersion: batch/v1\nkind: Job\nmetadata: {name: \"x\\n::warning file=evil.yaml::pwned\\e[2K\\u202e\", namespace: batch}\n"+
			"spec: {template: {spec: {restartPolicy: Never, containers: [{name: a, image: 5}]}}}\n"))
	if err := os.Symlink("nowhere\n::error::c", filepath.Join(dir, "in", "d\n::notice::e.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"text", "github"} {
		r := runIn(t, dir, nil, "lint", "--no-config", "--format", f, "in")
		r.want(t, exitUsage, `pwned`)
		for i, out := range []string{r.stdout, r.stderr} {
			commands := 0
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "::") {
					commands++
				}
			}
			// one per finding: MB001 at the image, and MB101 on the Job, linted without it
			if want := map[bool]int{true: 2}[f == "github" && i == 0]; commands != want {
				t.Errorf("%s: %d lines start a workflow command, want %d (one per finding):\n%s", f, commands, want, out)
			}
			if strings.ContainsAny(out, "\x1b\u202e") || strings.Contains(out, evil) {
				t.Errorf("%s: raw control characters in the output:\n%q", f, out)
			}
		}
	}
}

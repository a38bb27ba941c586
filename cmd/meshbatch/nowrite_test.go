package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// treeState lists every entry under dir with its mode, size and
// modification time, so that any write, create or chmod shows.
func treeState(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, fmt.Sprintf("%s %v %d %s", rel, info.Mode(), info.Size(), info.ModTime().Format(time.RFC3339Nano)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestLintWritesOnlyItsReports: a lint run writes nowhere but the reports
// it is asked for: not in the linted tree (made read-only, though root
// could still write there, so the test compares the tree before and
// after), not in the home directory, the XDG directories or the
// temporary directory (all pointed at empty directories that must stay
// empty), whatever the format and even when reading input back for
// positions or failing on bad input.
func TestLintWritesOnlyItsReports(t *testing.T) {
	base := t.TempDir()
	env := map[string]string{}
	for _, v := range []string{"HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "TMPDIR", "TMP", "TEMP"} {
		dir := filepath.Join(base, "env", v)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(v, dir)
		env[v] = dir
	}
	repo := filepath.Join(base, "repo")
	files, _ := secretManifests()
	for name, data := range files {
		writeFile(t, filepath.Join(repo, "deploy", name), []byte(data))
	}
	writeFile(t, filepath.Join(repo, "deploy/job.yaml"), []byte(strings.Replace(saYAML, "ServiceAccount", "ConfigMap", 1)))
	writeFile(t, filepath.Join(repo, ".meshbatch.yaml"), []byte("failOn: warning\nignore:\n  - {rules: [MB105], paths: [\"deploy/pod.yaml\"]}\n"))
	writeFile(t, filepath.Join(repo, "deploy/.git/config"), []byte("[core]\n"))
	reports := filepath.Join(base, "reports")
	if err := os.Mkdir(reports, 0o755); err != nil {
		t.Fatal(err)
	}
	// Read-only, as a CI checkout of someone else's repository may be.
	filepath.Walk(repo, func(p string, info os.FileInfo, err error) error {
		if err == nil {
			os.Chmod(p, info.Mode().Perm()&^0o222)
		}
		return nil
	})
	defer filepath.Walk(repo, func(p string, info os.FileInfo, err error) error {
		if err == nil {
			os.Chmod(p, info.Mode().Perm()|0o200)
		}
		return nil
	})
	before := treeState(t, repo)

	for _, args := range [][]string{
		{"lint", "deploy"},
		{"lint", "--format", "json", "deploy"},
		{"lint", "--format", "sarif", "--istio-version", "1.28", "--kubernetes-version", "1.31", "deploy"},
		{"lint", "--format", "github", "--partial", "deploy/jobs.yaml"},
		{"lint", "--format", "junit", "--no-inline-ignores", "deploy", "-"},
		{"lint", "--format", "text", "--format", "sarif", "--output", "-", "--output", filepath.Join(reports, "meshbatch.sarif"), "deploy"},
		{"lint", "--format", "junit", "--output", filepath.Join(reports, "junit.xml"), "--max-file-size", "1K", "deploy"},
		{"lint", "missing.yaml", "deploy"},
		{"lint", "--config", "nope.yaml", "deploy"},
	} {
		r := runIn(t, repo, strings.NewReader(files["jobs.yaml"]), args...)
		if r.code == exitOK {
			t.Errorf("meshbatch %s: exit 0 on input with findings", strings.Join(args, " "))
		}
	}

	if diff := cmpLists(before, treeState(t, repo)); diff != "" {
		t.Errorf("lint changed the linted tree:\n%s", diff)
	}
	for name, dir := range env {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 0 {
			t.Errorf("lint wrote into $%s: %v", name, entries)
		}
	}
	entries, err := os.ReadDir(reports)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != "junit.xml meshbatch.sarif" {
		t.Errorf("report directory holds %v, want exactly junit.xml and meshbatch.sarif", got)
	}
}

func cmpLists(a, b []string) string {
	in := map[string]int{}
	for _, s := range a {
		in[s]++
	}
	for _, s := range b {
		in[s]--
	}
	var diff []string
	for s, n := range in {
		switch {
		case n > 0:
			diff = append(diff, "- "+s)
		case n < 0:
			diff = append(diff, "+ "+s)
		}
	}
	sort.Strings(diff)
	return strings.Join(diff, "\n")
}

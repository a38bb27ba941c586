// Package manifests finds the manifests the e2e tests validate and decodes them
// the way kubectl does. It deliberately shares no code with meshbatch's own
// loader: a validator that reuses the generator's parsing could hide its bugs.
package manifests

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// GoldenGlob is where `meshbatch generate`'s golden outputs live, relative to
// the repository root. Every file it matches is validated, so a case added
// later is covered without touching the e2e tests.
const GoldenGlob = "pkg/generate/testdata/*/want.yaml"

// Object is one document of a manifest file.
type Object struct {
	File string // path relative to the repository root
	Doc  int    // 1-based index among the file's non-empty documents
	JSON []byte // the document as JSON, integers intact
	*unstructured.Unstructured
}

// ID names the object in test names and failure messages.
func (o Object) ID() string {
	id := o.GetKind() + "/" + o.GetName()
	if ns := o.GetNamespace(); ns != "" {
		id = o.GetKind() + "/" + ns + "/" + o.GetName()
	}
	return id
}

// IsIstio reports whether istiod's validating webhook handles the object's group.
func (o Object) IsIstio() bool {
	return strings.HasSuffix(o.GroupVersionKind().Group, ".istio.io")
}

// RepoRoot is the meshbatch checkout the tests run in: the nearest ancestor
// of the working directory that holds e2e/go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "e2e", "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no ancestor of the working directory holds e2e/go.mod")
		}
		dir = parent
	}
}

// Goldens returns every golden want.yaml, relative to the repository root. It
// fails the test when there is none: validating nothing proves nothing.
func Goldens(t testing.TB) []string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, GoldenGlob))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden files match %s: the e2e tests must validate the generated manifests", GoldenGlob)
	}
	for i, f := range files {
		files[i], _ = filepath.Rel(root, f)
	}
	slices.Sort(files)
	return files
}

// Load reads a file relative to the repository root and decodes all of its
// documents. It fails the test on a file without objects.
func Load(t testing.TB, rel string) []Object {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode(rel, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 {
		t.Fatalf("%s holds no object", rel)
	}
	return objs
}

// Decode splits a multi-document YAML stream as kubectl does and decodes each
// document strictly (duplicate keys are errors). Integers stay int64, which
// CEL rules on ports need; comment-only documents are dropped.
func Decode(name string, data []byte) ([]Object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []Object
	for doc := 1; ; {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		js, err := yaml.YAMLToJSONStrict(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, doc, err)
		}
		if s := string(bytes.TrimSpace(js)); s == "null" || s == "{}" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, doc, err)
		}
		objs = append(objs, Object{File: name, Doc: doc, JSON: js, Unstructured: u})
		doc++
	}
}

// MustDecode decodes an inline manifest of a test table.
func MustDecode(t testing.TB, name, data string) []Object {
	t.Helper()
	objs, err := Decode(name, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 {
		t.Fatalf("%s holds no object", name)
	}
	return objs
}

// ModuleDir is where the Go command keeps the source of a module the e2e
// module requires (e.g. istio.io/api), so tests read files the module ships
// without copying them into this repository.
func ModuleDir(path string) (string, error) {
	out, err := GoList("", "-m", "-f", "{{.Dir}}", path)
	if err != nil {
		return "", err
	}
	if out == "" {
		return "", fmt.Errorf("go list: module %s has no directory (not downloaded?)", path)
	}
	return out, nil
}

// IstioCRDs is the CRD file istio.io/api ships: OpenAPI schemas and CEL rules
// of every Istio kind, as installed into a cluster.
func IstioCRDs() (string, error) {
	dir, err := ModuleDir("istio.io/api")
	if err != nil {
		return "", err
	}
	f := filepath.Join(dir, "kubernetes", "customresourcedefinitions.gen.yaml")
	if _, err := os.Stat(f); err != nil {
		return "", err
	}
	return f, nil
}

// GoList runs `go list` in dir ("" = the working directory) and returns its
// trimmed output.
func GoList(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

package generate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// validSpecs returns every spec the golden cases and the examples hold,
// sorted by path so that seed indexes stay stable.
func validSpecs(tb testing.TB) [][]byte {
	tb.Helper()
	var paths []string
	for _, glob := range []string{"testdata/*/spec.yaml", "../../examples/*.yaml"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			tb.Fatal(err)
		}
		paths = append(paths, m...)
	}
	var out [][]byte
	for _, p := range paths {
		if strings.Contains(p, string(filepath.Separator)+"errors"+string(filepath.Separator)) {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, data)
	}
	if len(out) == 0 {
		tb.Fatal("no valid specs found")
	}
	return out
}

// checkSpecError checks what Load returns for a spec it refuses: a
// *SpecError whose problems all name the file and a line inside it.
func checkSpecError(t *testing.T, data []byte, err error) {
	t.Helper()
	var se *SpecError
	if !errors.As(err, &se) {
		t.Fatalf("Load error of type %T, want *SpecError: %v", err, err)
	}
	if len(se.Problems) == 0 {
		t.Fatalf("SpecError without problems")
	}
	lines := bytes.Count(manifest.NormalizeLineBreaks(bytes.Clone(data)), []byte("\n")) + 1 // a lone CR is a line break
	for _, p := range se.Problems {
		if strings.Contains(p.Msg, "a meshbatch bug") {
			t.Fatalf("generate refused its own output: %s\nspec:\n%s", p, data)
		}
		if p.File != "spec.yaml" || p.Msg == "" {
			t.Fatalf("problem without file or message: %+v", p)
		}
		if p.Pos.Line < 1 || p.Pos.Line > lines || p.Pos.Col < 1 {
			t.Fatalf("problem at %d:%d outside the %d-line spec: %s", p.Pos.Line, p.Pos.Col, lines, p)
		}
	}
}

// FuzzLoadSpec decodes arbitrary bytes as a job spec: Load never panics,
// and refuses with positioned problems or accepts.
func FuzzLoadSpec(f *testing.F) {
	for _, s := range validSpecs(f) {
		f.Add(s)
	}
	errs, _ := filepath.Glob("testdata/errors/*/spec.yaml")
	for _, p := range errs {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 32<<10 {
			return
		}
		if _, err := Load("spec.yaml", data); err != nil {
			checkSpecError(t, data, err)
		}
	})
}

// Mutations FuzzGenerate applies to one node of a valid spec.
const (
	mutSet       = iota // replace a scalar's text, letting YAML resolve its type
	mutSetString        // replace a scalar's text, as a string
	mutDelete           // remove the mapping entry or list item holding the node
	mutDuplicate        // repeat that list item or mapping entry
	mutCount
)

// scalars lists the scalar nodes of a tree in document order, with the
// collection each one is a direct child of.
func scalars(n, parent *yaml.Node, out *[][2]*yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		*out = append(*out, [2]*yaml.Node{n, parent})
	}
	for _, c := range n.Content {
		scalars(c, n, out)
	}
}

// mutate applies one mutation to a copy of spec, returning the new YAML,
// or nil when the mutation does not apply.
func mutate(spec []byte, at int, op int, value string) []byte {
	var doc yaml.Node
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil
	}
	var all [][2]*yaml.Node
	scalars(&doc, nil, &all)
	if len(all) == 0 {
		return nil
	}
	n, parent := all[at%len(all)][0], all[at%len(all)][1]
	switch op {
	case mutSet:
		n.Value, n.Tag, n.Style = value, "", 0
	case mutSetString:
		n.Value, n.Tag, n.Style = value, "!!str", yaml.DoubleQuotedStyle
	case mutDelete, mutDuplicate:
		if parent == nil {
			return nil
		}
		i := 0
		for i < len(parent.Content) && parent.Content[i] != n {
			i++
		}
		width := 1
		if parent.Kind == yaml.MappingNode {
			i -= i % 2 // the entry starts at its key
			width = 2
		}
		if i+width > len(parent.Content) {
			return nil
		}
		entry := parent.Content[i : i+width]
		if op == mutDelete {
			parent.Content = append(parent.Content[:i:i], parent.Content[i+width:]...)
		} else {
			parent.Content = append(parent.Content[:i+width:i+width], append(append([]*yaml.Node(nil), entry...), parent.Content[i+width:]...)...)
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil
	}
	return out
}

// FuzzGenerate mutates one field of a valid spec. Whenever Load accepts
// the result, generating is deterministic (twice the same bytes, as a
// stream and as files) and lint, with the cluster facts the spec declares,
// reports nothing at warning or above on the output.
func FuzzGenerate(f *testing.F) {
	specs := validSpecs(f)
	for i := range specs {
		for op := range mutCount {
			f.Add(uint8(i), uint16(3*i+op), uint8(op), "")
		}
		f.Add(uint8(i), uint16(7), uint8(mutSet), "x")
		f.Add(uint8(i), uint16(11), uint8(mutSetString), "1.30")
	}
	f.Add(uint8(0), uint16(0), uint8(255), "") // unchanged
	f.Fuzz(func(t *testing.T, which uint8, at uint16, op uint8, value string) {
		if len(value) > 256 {
			return
		}
		data := specs[int(which)%len(specs)]
		if int(op) < mutCount {
			if data = mutate(data, int(at), int(op), value); data == nil {
				return
			}
		}
		job, err := Load("spec.yaml", data)
		if err != nil {
			checkSpecError(t, data, err)
			return
		}
		checkGenerated(t, data, job)
	})
}

// checkGenerated asserts the properties of an accepted spec's output.
func checkGenerated(t *testing.T, spec []byte, job *Job) {
	t.Helper()
	out, err := Render(job.Source, Generate(job))
	if err != nil {
		t.Fatalf("Render: %v\nspec:\n%s", err, spec)
	}
	again, err := Load("spec.yaml", spec)
	if err != nil {
		t.Fatalf("second Load: %v", err)
	}
	out2, err := Render(again.Source, Generate(again))
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("rendering twice differs (err %v):\n%s\n---- vs ----\n%s", err, out, out2)
	}
	files, err := Files(job.Source, Generate(job))
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	files2, _ := Files(job.Source, Generate(job))
	if fmt.Sprint(files) != fmt.Sprint(files2) {
		t.Fatalf("Files twice differ")
	}
	facts := mesh.Facts{
		IstioVersion:      job.IstioVersion,
		KubernetesVersion: job.KubernetesVersion,
		KubeletVersion:    job.KubeletVersion,
		TrustDomain:       job.TrustDomain,
	}
	res, err := lint.Run(context.Background(), []string{"-"}, lint.Options{Facts: facts, Stdin: bytes.NewReader(out), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for fd := range res.Findings.All() {
		if fd.Severity >= rules.Warning || fd.RuleID == rules.InvalidInput.ID {
			bad = append(bad, fmt.Sprintf("%d: %s %s (%s): %s", fd.Line, fd.Severity, fd.RuleID, fd.Object, fd.Message))
		}
	}
	if len(bad) > 0 {
		t.Fatalf("lint reports on the output of an accepted spec:\n%s\nspec:\n%s\noutput:\n%s", strings.Join(bad, "\n"), spec, out)
	}
}

package lint

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// renamer offers to rename every batch workload's container, and fails
// to build the fix of a Job named "broken" other than by the editor
// declining.
var renamer = &rules.Rule{
	ID: "MB999", Slug: "renamer", Severity: rules.Warning,
	Check: func(p *rules.Pass) {
		for _, w := range p.Index.BatchWorkloads() {
			o := w.Object
			p.ReportFixf(rules.Offer{Description: "rename", Build: func(ed *manifest.Editor) error {
				if o.Name == "broken" {
					return errors.New("the editor lost its place")
				}
				return ed.ReplaceScalar(w.TemplateField("spec.containers[0].name"), "renamed")
			}}, o, "spec", "%s", o.Ref())
		}
	},
}

// TestFixErrorsReported: a fix that fails other than by the editor
// declining is a fix error of the run, not an input error (every path was
// read), naming the file, the rule and the object, and its finding goes
// out without a fix.
func TestFixErrorsReported(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.yaml": jobYAML, "b.yaml": strings.ReplaceAll(jobYAML, "name: etl\n  namespace", "name: broken\n  namespace")})
	for _, mode := range []Residency{{}, ReleaseAll} {
		res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{renamer}, Fixes: true, Residency: mode})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.InputErrors) != 0 {
			t.Errorf("%+v: input errors %v, want none: every path was read", mode, res.InputErrors)
		}
		var fe *rules.FixError
		if len(res.FixErrors) != 1 || !errors.As(res.FixErrors[0], &fe) ||
			fe.Rule != "MB999" || fe.Object != "Job batch/broken" || fe.File != filepath.Join(dir, "b.yaml") || fe.Line != 1 {
			t.Errorf("%+v: fix errors %v, want the broken Job's fix", mode, res.FixErrors)
		}
		for f := range res.Findings.All() {
			if (f.Fix != nil) != (f.Object.Name == "etl") {
				t.Errorf("%+v: %s: fix %v", mode, f.Object, f.Fix)
			}
		}
	}
}

// TestOverlay: a file in Options.Overlay is linted, and fixed, as the
// overlay's bytes, not the file's, even when the engine releases
// documents and reads them back.
func TestOverlay(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.yaml": jobYAML})
	file := filepath.Join(dir, "a.yaml")
	over := "# edited\n" + strings.ReplaceAll(jobYAML, "name: etl\n  namespace", "name: load\n  namespace")
	for _, mode := range []Residency{{}, ReleaseAll} {
		res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{renamer}, Fixes: true, Residency: mode,
			Overlay: map[string][]byte{file: []byte(over)}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Findings.Len() != 1 {
			t.Fatalf("%+v: %d findings, want 1", mode, res.Findings.Len())
		}
		f := res.Findings.At(0)
		if f.Object.Name != "load" || f.Line != 7 || f.Fix == nil {
			t.Fatalf("%+v: finding %s at line %d, fix %v; want Job batch/load at line 7, with a fix", mode, f.Object, f.Line, f.Fix)
		}
		e := f.Fix.Edits[0]
		if e.File != file || over[e.Start:e.End] != "etl" {
			t.Errorf("%+v: the fix edits %s at %d-%d, %q in the overlay", mode, e.File, e.Start, e.End, over[e.Start:e.End])
		}
	}
}

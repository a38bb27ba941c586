package lint

import (
	"context"
	"errors"
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
// declining is an input error of the run, naming the rule and the
// object, and its finding goes out without a fix.
func TestFixErrorsReported(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.yaml": jobYAML, "b.yaml": strings.ReplaceAll(jobYAML, "name: etl\n  namespace", "name: broken\n  namespace")})
	for _, mode := range []Residency{{}, ReleaseAll} {
		res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{renamer}, Fixes: true, Residency: mode})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.InputErrors) != 1 || res.InputErrors[0].Error() != "MB999: Job batch/broken: building its fix: the editor lost its place" {
			t.Errorf("%+v: input errors %v, want the broken Job's fix", mode, res.InputErrors)
		}
		for f := range res.Findings.All() {
			if (f.Fix != nil) != (f.Object.Name == "etl") {
				t.Errorf("%+v: %s: fix %v", mode, f.Object, f.Fix)
			}
		}
	}
}

package rules_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestTemplateAnnotations holds TemplateAnnotations to WorkloadOf on every
// object of the rule fixtures.
func TestTemplateAnnotations(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("checks", "testdata", "MB*", "*.yaml"))
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, _ := manifest.ReadFile(f, data, manifest.Limits{})
		for _, o := range objs {
			ann, path := rules.TemplateAnnotations(o)
			w := rules.WorkloadOf(o)
			switch {
			case w == nil || w.TemplatePath == "":
				if ann != nil || path != "" {
					t.Errorf("%s: %s: TemplateAnnotations = %v, %q for an object without a separate template", f, o.Ref(), ann, path)
				}
			case path != w.TemplatePath || len(ann) != len(w.Template.Annotations):
				t.Errorf("%s: %s: TemplateAnnotations path %q, %d annotations; WorkloadOf %q, %d", f, o.Ref(), path, len(ann), w.TemplatePath, len(w.Template.Annotations))
			default:
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no workloads in the fixtures")
	}
}

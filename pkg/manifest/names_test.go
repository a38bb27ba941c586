package manifest

import (
	"strings"
	"testing"
)

// TestObjectNames: an object named by generateName is called by its prefix
// and "*"; one with neither name nor generateName is a problem at its
// metadata and still read, as "unnamed <kind> at <file>:<line>"; a kind
// meshbatch does not read (a Kustomization) needs no name. The fast path
// reads single objects and the node path the items of a List: both agree.
func TestObjectNames(t *testing.T) {
	const job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  %s\n  namespace: batch\nspec:\n  template:\n    spec:\n" +
		"      restartPolicy: Never\n      containers: [{name: app, image: app}]\n"
	docs := strings.Join([]string{
		strings.Replace(job, "%s", "generateName: etl-", 1),
		strings.Replace(job, "%s", "labels: {app: etl}", 1),
		"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [job.yaml]\n",
	}, "---\n")
	list := "apiVersion: v1\nkind: List\nitems:\n"
	for _, d := range strings.Split(docs, "---\n")[:2] {
		list += "- " + strings.ReplaceAll(strings.TrimSuffix(d, "\n"), "\n", "\n  ") + "\n"
	}
	for _, tc := range []struct {
		name, text string
		unnamedAt  Pos
		ref        string
	}{
		{"documents", docs, Pos{Line: 14, Col: 1}, "unnamed Job at in.yaml:12"},
		{"a List", list, Pos{Line: 16, Col: 3}, "unnamed Job at in.yaml:14"},
	} {
		objs, probs := ReadFile("in.yaml", []byte(tc.text), Limits{})
		var jobs []*Object
		for _, o := range objs {
			if o.Kind == "Job" {
				jobs = append(jobs, o)
			}
		}
		if len(jobs) != 2 || jobs[0].Typed == nil || jobs[1].Typed == nil {
			t.Fatalf("%s: %d Jobs decoded, want 2, both linted", tc.name, len(jobs))
		}
		if got := jobs[0].Ref(); got != "Job batch/etl-*" {
			t.Errorf("%s: the Job named by generateName is %q, want %q", tc.name, got, "Job batch/etl-*")
		}
		if got := jobs[1].Ref(); got != tc.ref {
			t.Errorf("%s: the Job without a name is %q, want %q", tc.name, got, tc.ref)
		}
		if len(probs) != 1 || probs[0].Pos != tc.unnamedAt || probs[0].Kind != "Job" ||
			!strings.Contains(probs[0].Msg, "neither metadata.name nor metadata.generateName") {
			t.Errorf("%s: problems %+v, want one at %+v saying the Job has no name", tc.name, probs, tc.unnamedAt)
		}
	}
}

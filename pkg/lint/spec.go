package lint

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// SpecGroup is the API group of meshbatch's own documents: a job spec
// (meshbatch.dev/v1alpha1, kind BatchJob) is not a Kubernetes manifest but
// the input of meshbatch generate.
const SpecGroup = "meshbatch.dev"

// SpecProblem is a problem of a job spec, at its position in the file.
type SpecProblem struct {
	Pos manifest.Pos
	Msg string
}

// SpecChecker validates one job spec: doc is its document, which starts
// on line startLine of file. It is meshbatch generate's validation, which
// the command passes in (generate lints what it generates, so the engine
// cannot import it).
type SpecChecker func(file string, doc []byte, startLine int) []SpecProblem

// specFix is the remediation of a job spec's problems.
const specFix = "Fix the job spec as the message says; docs/jobspec.md describes every field, and meshbatch generate " +
	"checks the spec the same way before it writes its manifests."

// isSpec reports whether an object is one of meshbatch's own documents.
func isSpec(o *manifest.Object) bool {
	return strings.HasPrefix(o.APIVersion, SpecGroup+"/")
}

// checkSpecs takes the job specs out of a document's objects and, with
// opts.CheckSpec, validates them as generate does: their problems are the
// document's (invalid input, MB001), and a notice says what the document
// is and that generate turns it into manifests. Without a checker the
// specs stay, as objects of a kind no rule reads.
func checkSpecs(file string, doc int, c manifest.Chunk, objs []*manifest.Object, probs []manifest.Problem, opts Options) ([]*manifest.Object, []manifest.Problem, []string) {
	if opts.CheckSpec == nil {
		return objs, probs, nil
	}
	var notices []string
	kept := objs[:0]
	for _, o := range objs {
		if !isSpec(o) {
			kept = append(kept, o)
			continue
		}
		add := func(pos manifest.Pos, msg string) {
			probs = append(probs, manifest.Problem{File: file, Doc: doc, Pos: pos, Msg: msg, Fix: specFix,
				APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name})
		}
		if o.Item >= 0 {
			add(manifest.Pos{Line: o.Line(), Col: 1}, fmt.Sprintf("a meshbatch job spec (%s %s) in a List: "+
				"generate reads a spec from a document of its own, so put it in a file of its own", o.APIVersion, o.Kind))
			continue
		}
		sp := opts.CheckSpec(file, c.Data, c.StartLine)
		for _, p := range sp {
			add(p.Pos, p.Msg)
		}
		notices = append(notices, specNotice(file, o, len(sp)))
	}
	return kept, probs, notices
}

// specNotice says that a document is a job spec, how it fared, and what
// turns it into manifests.
func specNotice(file string, o *manifest.Object, problems int) string {
	flag := file
	if file == StdinName {
		flag = "-"
	}
	verdict := "valid"
	switch problems {
	case 0:
	case 1:
		verdict = "1 problem"
	default:
		verdict = fmt.Sprintf("%d problems", problems)
	}
	what := o.Kind
	if o.Name != "" {
		what = o.Ref()
	}
	return fmt.Sprintf("%s:%d: %s is a meshbatch job spec, not a manifest: checked as generate checks it (%s); "+
		"meshbatch generate -f %s turns it into manifests", file, o.Line(), what, verdict, flag)
}

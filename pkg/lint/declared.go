package lint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// AnnotFacts is the annotation meshbatch generate writes on the objects of
// a job: the cluster facts its spec declared (spec.mesh), as JSON with the
// keys of facts: in .meshbatch.yaml, e.g.
// {"istioVersion":"1.28","kubernetesVersion":"1.31"}. Lint takes them for
// every fact that nothing else gives (flags, variables, the config file,
// a facts file), so that linting generated manifests, also a few of them
// in a pre-commit hook, gives the verdicts of linting with the spec's
// facts.
const AnnotFacts = "meshbatch.dev/facts"

// declared is one object's AnnotFacts.
type declared struct {
	where string // file: Kind namespace/name
	value string
}

// declaredOf reads an object's AnnotFacts; the loader calls it before it
// drops annotations it keeps no use for.
func declaredOf(objs []*manifest.Object) []declared {
	var out []declared
	for _, o := range objs {
		if v, ok := o.Annotations[AnnotFacts]; ok {
			out = append(out, declared{where: o.File + ": " + o.Ref(), value: v})
		}
	}
	return out
}

// withDeclared fills the facts f leaves unknown from the objects'
// AnnotFacts, when all of them agree; otherwise it leaves f as it is and
// says why in a notice.
func withDeclared(f mesh.Facts, ds []declared) (mesh.Facts, []string) {
	if len(ds) == 0 {
		return f, nil
	}
	var notices []string
	var first *declared
	var facts mesh.Facts
	for i := range ds {
		d := &ds[i]
		r, err := parseDeclared(d.value)
		if err != nil {
			notices = append(notices, fmt.Sprintf("%s: annotation %s: %v; the annotation is ignored", d.where, AnnotFacts, err))
			continue
		}
		p, err := r.Parse()
		if err != nil {
			notices = append(notices, fmt.Sprintf("%s: annotation %s: %v; the annotation is ignored", d.where, AnnotFacts, err))
			continue
		}
		if first == nil {
			first, facts = d, p
			continue
		}
		if !sameDeclared(facts, p) {
			return f, append(notices, fmt.Sprintf("%s and %s declare different cluster facts in annotation %s (%s, %s): none of them is used; give the facts with flags, facts: or --facts",
				first.where, d.where, AnnotFacts, first.value, d.value))
		}
	}
	if first == nil {
		return f, notices
	}
	out := facts.With(f)
	out.Namespaces, out.Revisions = f.Namespaces, f.Revisions
	return out, notices
}

func parseDeclared(v string) (RawFacts, error) {
	var r RawFacts
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("not a JSON object of facts (%v)", err)
	}
	return r, nil
}

func sameDeclared(a, b mesh.Facts) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb) && slices.Equal(a.TrustAliases, b.TrustAliases)
}

// DeclaredFacts is the AnnotFacts value for the facts a spec declares:
// "" when it declares none.
func DeclaredFacts(r RawFacts) string {
	empty := true
	for _, f := range FactFields() {
		if len(f.Get(r)) > 0 {
			empty = false
		}
	}
	if empty {
		return ""
	}
	data, err := json.Marshal(r)
	if err != nil {
		return "" // a struct of strings always marshals
	}
	return string(data)
}

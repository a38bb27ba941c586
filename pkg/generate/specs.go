package generate

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
)

// SpecErrors are the problems of several specs of one run, each a
// *SpecError, in the order the specs were given. Run returns a
// *SpecError when one spec is bad, and SpecErrors when more are.
type SpecErrors []*SpecError

func (e SpecErrors) Error() string {
	parts := make([]string, len(e))
	for i, se := range e {
		parts[i] = se.Error()
	}
	return strings.Join(parts, "\n")
}

// ConflictError is what several specs of one run would generate that
// cannot be applied together; nothing is written.
type ConflictError struct {
	Conflicts []string // one sentence each, naming both specs
}

func (e *ConflictError) Error() string {
	return strings.Join(e.Conflicts, "\n")
}

// specExt are the file extensions read from a directory of specs.
var specExt = map[string]bool{".yaml": true, ".yml": true}

// expandSpecs turns the -f values into the spec files of the run, in the
// order given: a directory stands for its .yaml and .yml files, in
// lexical order (not those of its subdirectories, where generated
// manifests often live, nor hidden ones). A file given twice, or given and
// found in a directory given too, is read once.
func expandSpecs(specs []string) (files, dirs []string, err error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		key := p
		if p != "-" {
			if abs, err := filepath.Abs(p); err == nil {
				key = abs
			}
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	for _, s := range specs {
		if s == "-" {
			add(s)
			continue
		}
		info, err := os.Stat(s)
		if err != nil || !info.IsDir() {
			add(s) // readSpec says what is wrong with it
			continue
		}
		entries, err := os.ReadDir(s)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, nil, fmt.Errorf("%s: cannot read the directory of job specs: %w", s, err)
		}
		n := 0
		for _, e := range entries { // ReadDir sorts by name
			if e.IsDir() || strings.HasPrefix(e.Name(), ".") || !specExt[strings.ToLower(filepath.Ext(e.Name()))] {
				continue
			}
			add(filepath.Join(s, e.Name()))
			n++
		}
		if n == 0 {
			return nil, nil, fmt.Errorf("%s: no .yaml or .yml job spec in this directory (its subdirectories are not read)", s)
		}
		dirs = append(dirs, s)
	}
	return out, dirs, nil
}

// claimedBy says which specs named in the headers of outDir's files a run
// answers for: its own, and any spec file of the directories of specs it
// was given, so that the files of a spec deleted from such a directory go
// too (and --check reports them) instead of staying behind.
func claimedBy(outDir string, sources, dirs []string) func(source string) bool {
	absDirs := make([]string, 0, len(dirs))
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			absDirs = append(absDirs, abs)
		}
	}
	return func(source string) bool {
		if slices.Contains(sources, source) {
			return true
		}
		if filepath.IsAbs(filepath.FromSlash(source)) || !specExt[strings.ToLower(filepath.Ext(source))] {
			return false
		}
		abs, err := filepath.Abs(filepath.Join(outDir, filepath.FromSlash(source)))
		return err == nil && slices.Contains(absDirs, filepath.Dir(abs))
	}
}

// specRun is one spec of a run and what it generates.
type specRun struct {
	file   string // as given, or found in a directory given
	name   string // how messages name it
	source string // how generated files and the stream's header name it
	job    *Job
	objs   []Object
}

// merged is one object of the run's output and the specs that generate
// it: one, or several for a shared object they agree on.
type merged struct {
	Object
	sources []string // as headers name them
	names   []string // as messages name them: the spec files as given
	body    []byte   // the object's YAML, without a header
}

// mergeObjects combines the objects of the run's specs: a shared object
// (a Namespace, its PeerAuthentication) that several specs generate alike
// is written once, naming them all. It refuses what cannot be applied
// together, naming both specs: two specs that generate one object
// differently (two jobs claiming one ServiceAccount, or one name), and two
// DestinationRules for one host in one namespace, of which Istio would
// apply one. The result is in the order Generate writes objects in,
// whatever the order of the specs.
func mergeObjects(runs []specRun) ([]merged, error) {
	var out []merged
	index := map[string]int{} // kind/namespace/name -> out
	var conflicts []string
	for _, r := range runs {
		for _, o := range r.objs {
			var buf bytes.Buffer
			if err := encodeObject(&buf, o); err != nil {
				return nil, err
			}
			key := o.Kind + "/" + o.Namespace + "/" + o.Name
			i, ok := index[key]
			if !ok {
				index[key] = len(out)
				out = append(out, merged{Object: o, sources: []string{r.source}, names: []string{r.name}, body: buf.Bytes()})
				continue
			}
			m := &out[i]
			switch {
			case o.Shared && bytes.Equal(m.body, buf.Bytes()):
				m.sources = append(m.sources, r.source)
				m.names = append(m.names, r.name)
			case o.Shared:
				conflicts = append(conflicts, fmt.Sprintf("%s and %s both generate %s, differently: the jobs of one namespace share it, "+
					"so their specs must agree on mesh.dataplane and mesh.istioVersion", m.names[0], r.name, o))
			default:
				conflicts = append(conflicts, fmt.Sprintf("%s and %s both generate %s: %s", m.names[0], r.name, o, sameObjectWhy(o)))
			}
		}
	}
	conflicts = append(conflicts, destinationRuleConflicts(out)...)
	if len(conflicts) > 0 {
		return nil, &ConflictError{Conflicts: conflicts}
	}
	slices.SortStableFunc(out, func(a, b merged) int {
		return cmp.Or(
			cmp.Compare(slices.Index(kindOrder, a.Kind), slices.Index(kindOrder, b.Kind)),
			cmp.Compare(a.Namespace, b.Namespace),
			cmp.Compare(a.Name, b.Name),
		)
	})
	return out, nil
}

// sameObjectWhy says what two specs that generate one object have in
// common, and what to change.
func sameObjectWhy(o Object) string {
	switch o.Kind {
	case "ServiceAccount":
		return "two jobs cannot claim one ServiceAccount: each spec writes it for its own job, and the AuthorizationPolicies " +
			"that admit one job's identity would admit the other; give one of them its own spec.serviceAccount"
	case "Job", "CronJob":
		return "two specs name the same job; give one of them another metadata.name or metadata.namespace"
	}
	return "two specs would write the same object; rename one of the jobs or destinations"
}

// destinationRuleConflicts finds DestinationRules of different specs for
// one host in one namespace. Istio merges such rules into one and keeps
// the traffic policy of the first, the oldest: the incoming rule's
// policy is used only when the first has none
// (pilot/pkg/model/destination_rule.go mergeDestinationRule, 1.28.0).
// Every rule generate writes has a policy, so the second job's TLS
// settings would be ignored.
func destinationRuleConflicts(objs []merged) []string {
	type key struct{ ns, host string }
	first := map[key]merged{}
	var out []string
	for _, m := range objs {
		dr, ok := m.Obj.(*networkingv1.DestinationRule)
		if !ok {
			continue
		}
		k := key{m.Namespace, dr.Spec.GetHost()}
		prev, ok := first[k]
		if !ok {
			first[k] = m
			continue
		}
		if slices.Equal(prev.sources, m.sources) {
			continue // one spec's own rules: validation keeps a host to one destination
		}
		out = append(out, fmt.Sprintf("%s and %s both generate a DestinationRule for %s in namespace %s (%s and %s): "+
			"Istio merges them and keeps the traffic policy of the older one, so the other job's TLS settings would be ignored; "+
			"declare the host in one spec, or run the jobs in different namespaces",
			prev.names[0], m.names[0], k.host, k.ns, prev.Object, m.Object))
	}
	return out
}

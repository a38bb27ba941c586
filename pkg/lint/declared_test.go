package lint

import (
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

func TestWithDeclared(t *testing.T) {
	a := declared{where: "a.yaml: Job x/a", value: `{"istioVersion":"1.22","kubernetesVersion":"1.28"}`}
	b := declared{where: "b.yaml: Job x/b", value: `{"istioVersion":"1.22","kubernetesVersion":"1.28"}`}
	other := declared{where: "c.yaml: Job x/c", value: `{"istioVersion":"1.28"}`}
	bad := declared{where: "d.yaml: Job x/d", value: `{"istioVersion":"one"}`}
	unknown := declared{where: "e.yaml: Job x/e", value: `{"istio":"1.28"}`}

	user := mesh.Facts{KubernetesVersion: mesh.Version{Major: 1, Minor: 31}, Namespaces: map[string]mesh.Namespace{"n": {Injection: mesh.InjectNone}}}
	f, notes := withDeclared(user, []declared{a, b})
	if f.IstioVersion.String() != "1.22" || f.KubernetesVersion.String() != "1.31" || len(notes) > 0 || f.Namespaces == nil {
		t.Errorf("agreeing annotations: Istio %s, Kubernetes %s (the user's 1.31 wins), notes %q, namespaces %v",
			f.IstioVersion, f.KubernetesVersion, notes, f.Namespaces)
	}
	f, notes = withDeclared(user, []declared{a, other})
	if f.IstioVersion.Known() || len(notes) != 1 || !strings.Contains(notes[0], "declare different cluster facts") {
		t.Errorf("disagreeing annotations: Istio %s, notes %q; want none used and a notice", f.IstioVersion, notes)
	}
	f, notes = withDeclared(mesh.Facts{}, []declared{bad, unknown, a})
	if f.IstioVersion.String() != "1.22" || len(notes) != 2 || !strings.Contains(notes[0], "d.yaml: Job x/d: annotation meshbatch.dev/facts: istioVersion:") ||
		!strings.Contains(notes[1], `unknown field "istio"`) {
		t.Errorf("bad annotations are said and skipped: Istio %s, notes %q", f.IstioVersion, notes)
	}
	if got := DeclaredFacts(RawFacts{}); got != "" {
		t.Errorf("DeclaredFacts of nothing = %q", got)
	}
}

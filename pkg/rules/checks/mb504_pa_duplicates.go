package checks

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// PADuplicates catches PeerAuthentications Istio ignores: the second
// namespace-wide or mesh-wide policy, a second workload policy with the
// same selector, and selector policies in the root namespace.
var PADuplicates = &rules.Rule{
	ID:       "MB504",
	Slug:     "pa-duplicates",
	Severity: rules.Warning,
	Summary:  "PeerAuthentication is ignored because another one already covers the same scope",
	Rationale: "Istio applies one mesh-wide policy (selector-less, in the root namespace), one namespace-wide policy per " +
		"namespace and, for a workload, one matching workload policy: when several qualify it keeps the oldest and " +
		"ignores the rest, and creation time is not in the files, so the mode in effect is a coin toss between them. " +
		"PeerAuthentications with a selector in the root namespace are ignored outright (\"PeerAuthentication " +
		"policies with workload selectors are ignored when deployed in the root namespace\"). Kiali reports duplicates " +
		"on live clusters (KIA0002, KIA0003). Workload policies are compared by identical selectors, which is what the " +
		"files can prove. Manifests with the same namespace and name are one object, not two policies, and are not " +
		"compared.",
	Remediation: "Keep one selector-less PeerAuthentication per namespace (and one in the root namespace for the mesh), merge " +
		"workload policies with the same selector, and move workload policies out of the root namespace.",
	Kinds: []string{"PeerAuthentication"},
	// Its loop compares the policies with each other, so it needs them all in
	// one loop: only a kind read by its spec stays whole for loops.
	Reads: rules.Reads{Loop: []string{"PeerAuthentication"}, Spec: []string{"PeerAuthentication"}},
	Sources: []string{
		"istio/api security/v1beta1/peer_authentication.proto (root namespace note)",
		"istio.io docs/concepts/security (oldest policy wins)",
		"kiali/kiali business/checkers/peerauthentications (KIA0002, KIA0003)",
	},
	Bad: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: batch}
spec:
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: permissive, namespace: batch}
spec:
  mtls: {mode: PERMISSIVE}
`,
	Good: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: batch}
spec:
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: legacy-port, namespace: batch}
spec:
  selector:
    matchLabels: {app: legacy}
  mtls: {mode: PERMISSIVE}
`,
	Check: checkPADuplicates,
}

func checkPADuplicates(p *rules.Pass) {
	root := p.Facts.Root()
	first := map[string]*manifest.Object{} // scope key -> first policy
	for _, o := range p.Index.OfKind("PeerAuthentication") {
		ns := rules.NamespaceOf(o)
		sel := rules.PeerAuthentication(o).GetSelector().GetMatchLabels()
		if ns == root && len(sel) > 0 {
			p.Reportf(o, "spec.selector",
				"%s has a selector in the root namespace %s, where Istio ignores workload policies: put it in the workload's namespace",
				o.Ref(), root)
			continue
		}
		key, scope := ns+"|", "namespace-wide PeerAuthentication of namespace "+ns
		if ns == root {
			scope = "mesh-wide PeerAuthentication (root namespace " + root + ")"
		}
		if len(sel) > 0 {
			key = ns + "|" + selectorKey(sel)
			scope = fmt.Sprintf("PeerAuthentication with selector %s in namespace %s", selectorKey(sel), ns)
		}
		prev := first[key]
		if prev == nil {
			first[key] = o
			continue
		}
		if prev.Name == o.Name {
			// The same kind, namespace and name: two manifests of one
			// object (the later apply wins), not two policies.
			continue
		}
		p.Because(prev).Reportf(o, "metadata.name",
			"%s is a second %s, next to %s: Istio applies only the oldest of them, which the files do not tell",
			o.Ref(), scope, prev.Ref())
	}
}

// selectorKey prints matchLabels canonically: "app=a,tier=b".
func selectorKey(sel map[string]string) string {
	var parts []string
	for _, k := range keysInOrder(sel) {
		parts = append(parts, k+"="+sel[k])
	}
	return strings.Join(parts, ",")
}

package rules

import (
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// What a facts file (meshbatch facts) says about namespaces that are not
// in the input: Injection reads it where it would read the Namespace's
// labels, and the facts of the revision that serves a namespace replace
// the run's (mesh.Facts.ForNamespace) where NativeSidecar and
// HoldsApplication read them.

// SetClusterNamespaces gives the index the cluster's namespaces
// (mesh.Facts.Namespaces). The lint engine calls it before any rule runs:
// Injection's verdicts are cached.
func (ix *Index) SetClusterNamespaces(ns map[string]mesh.Namespace) { ix.clusterNS = ns }

// clusterNamespace returns what the cluster says about a namespace the
// input does not hold.
func (ix *Index) clusterNamespace(ns string) (mesh.Namespace, bool) {
	n, ok := ix.clusterNS[ns]
	return n, ok
}

// injectionFromCluster decides injection from a namespace's resolved
// dataplane, for a pod that neither opts out nor is skipped by the
// injector; optIn is set when the pod asks for a sidecar by label.
func injectionFromCluster(inj Injection, ns string, n mesh.Namespace, optIn bool) Injection {
	switch {
	case n.Injection == mesh.InjectSidecar:
		inj.Sidecar, inj.Reason = mesh.Yes, fmt.Sprintf("namespace %s is injected by revision %s in the cluster (facts file)", ns, n.Revision)
	case n.Injection == mesh.InjectDisabled:
		inj.Sidecar, inj.Reason = mesh.No, fmt.Sprintf("no injector webhook selects namespace %s in the cluster (facts file), whatever the pod's labels", ns)
	case optIn:
		inj.Sidecar, inj.Reason = mesh.Yes, `the pod label sidecar.istio.io/inject is "true"`
	case n.Injection == mesh.InjectAmbient:
		inj.Sidecar, inj.Reason = mesh.No, fmt.Sprintf("namespace %s is ambient in the cluster (facts file)", ns)
	default:
		inj.Sidecar, inj.Reason = mesh.No, fmt.Sprintf("namespace %s has no injection label in the cluster (facts file), and the pod template does not ask for injection", ns)
	}
	return inj
}

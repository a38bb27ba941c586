package generate

import (
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// fillFromFacts sets the spec.mesh fields a spec leaves out from the
// cluster facts of its namespace (a facts file of meshbatch facts, with
// the differences of the revision that serves the namespace), and says
// which it set. kubernetesVersion takes the oldest kubelet's version when
// that is older than the API server's: it is the kubelet that runs native
// sidecars.
func fillFromFacts(s *BatchJob, f mesh.Facts) []string {
	nf := f.ForNamespace(s.Metadata.Namespace)
	var filled []string
	why := ""
	if n, ok := f.Namespaces[s.Metadata.Namespace]; ok && n.Revision != "" {
		why = fmt.Sprintf(" (revision %s, which serves namespace %s)", n.Revision, s.Metadata.Namespace)
	}
	m := &s.Spec.Mesh
	if m.IstioVersion == "" && nf.IstioVersion.Known() {
		m.IstioVersion = nf.IstioVersion.String()
		filled = append(filled, fmt.Sprintf("spec.mesh.istioVersion %q%s", m.IstioVersion, why))
	}
	if m.KubernetesVersion == "" && nf.KubernetesVersion.Known() {
		m.KubernetesVersion = nf.KubernetesVersion.String()
		filled = append(filled, fmt.Sprintf("spec.mesh.kubernetesVersion %q", m.KubernetesVersion))
	}
	// A kubelet newer than the spec's API server is another cluster's.
	if api, _ := mesh.ParseVersion(m.KubernetesVersion); m.KubeletVersion == "" && nf.KubeletVersion.Known() &&
		(!api.Known() || api.AtLeast(nf.KubeletVersion.Major, nf.KubeletVersion.Minor) == mesh.Yes) {
		m.KubeletVersion = nf.KubeletVersion.String()
		filled = append(filled, fmt.Sprintf("spec.mesh.kubeletVersion %q (the oldest node's)", m.KubeletVersion))
	}
	if m.TrustDomain == "" && nf.TrustDomain != "" {
		m.TrustDomain = nf.TrustDomain
		filled = append(filled, fmt.Sprintf("spec.mesh.trustDomain %q", m.TrustDomain))
	}
	return filled
}

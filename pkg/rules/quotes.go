package rules

import "github.com/meshbatch/meshbatch/pkg/mesh"

// injectionNoted is injection(w) with a note in its reason for each value
// it compares that is in typographic quotes (mesh.QuoteNote): the pod's
// sidecar.istio.io/inject label and annotation and istio.io/dataplane-mode
// label, and its Namespace's istio-injection and istio.io/dataplane-mode
// labels.
func (ix *Index) injectionNoted(w *Workload) Injection {
	inj := ix.injection(w)
	labels := w.summary.labels
	label := func(key string) string { v, _ := labels.Get(key); return v }
	inj.Reason += mesh.QuoteNote("the pod label "+mesh.LabelInject, label(mesh.LabelInject)) +
		mesh.QuoteNote("the pod annotation "+mesh.LabelInject, w.summary.injectAnnot) +
		mesh.QuoteNote("the pod label "+mesh.LabelDataplaneMode, label(mesh.LabelDataplaneMode))
	if ns := ix.Namespace(w.Namespace); ns != nil {
		inj.Reason += mesh.QuoteNote("the label "+mesh.LabelNSInjection+" of namespace "+w.Namespace, ns.Labels[mesh.LabelNSInjection]) +
			mesh.QuoteNote("the label "+mesh.LabelDataplaneMode+" of namespace "+w.Namespace, ns.Labels[mesh.LabelDataplaneMode])
	}
	return inj
}

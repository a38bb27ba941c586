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
		// the keys are built only for a value in typographic quotes
		nsNote := func(key string) string {
			v := ns.Labels[key]
			if _, ok := mesh.TypographicallyQuoted(v); !ok {
				return ""
			}
			return mesh.QuoteNote("the label "+key+" of namespace "+w.Namespace, v)
		}
		inj.Reason += nsNote(mesh.LabelNSInjection) + nsNote(mesh.LabelDataplaneMode)
	}
	return inj
}

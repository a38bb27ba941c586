package clusterfacts

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// namespaces resolves every namespace's dataplane from its labels and the
// active injection webhooks, as the API server does: a webhook is called
// for a pod when its namespaceSelector matches the namespace's labels and
// its objectSelector the pod's (istio-installs.md §8).
//
//   - sidecar: some webhook selects the namespace and a pod without
//     Istio labels; the first one the API server calls decides the
//     revision.
//   - none: some webhook selects the namespace, but only for pods that
//     ask (sidecar.istio.io/inject: "true", istio.io/rev).
//   - disabled: no webhook selects the namespace at all.
//   - ambient: istio.io/dataplane-mode=ambient with ambient installed,
//     and no sidecar from a webhook (the webhooks do not read that label,
//     so a webhook that selects the namespace still injects a sidecar).
func (r *reader) namespaces(hooks []injector, ambient bool) map[string]config.NamespaceFacts {
	out := map[string]config.NamespaceFacts{}
	type compiled struct {
		injector
		ns, pod labels.Selector
	}
	var cs []compiled
	for _, h := range hooks {
		ns, err1 := metav1.LabelSelectorAsSelector(h.hook.NamespaceSelector)
		pod, err2 := metav1.LabelSelectorAsSelector(h.hook.ObjectSelector)
		if err1 != nil || err2 != nil {
			r.notef("MutatingWebhookConfiguration %s: webhook %s has a selector the API server would refuse; skipped", h.config, h.hook.Name)
			continue
		}
		if h.hook.NamespaceSelector == nil {
			ns = labels.Everything()
		}
		if h.hook.ObjectSelector == nil {
			pod = labels.Everything()
		}
		cs = append(cs, compiled{h, ns, pod})
	}
	err := listAll(r.ctx, func(opts metav1.ListOptions) (string, error) {
		l, err := r.cs.CoreV1().Namespaces().List(r.ctx, opts)
		if err != nil {
			return "", err
		}
		for _, n := range l.Items {
			nl := labels.Set(n.Labels)
			if nl == nil {
				nl = labels.Set{}
			}
			if _, ok := nl["kubernetes.io/metadata.name"]; !ok {
				nl = labels.Merge(nl, labels.Set{"kubernetes.io/metadata.name": n.Name})
			}
			nf := config.NamespaceFacts{Injection: mesh.InjectDisabled}
			var revs []string
			if !mesh.NeverInjected(n.Name) {
				for _, c := range cs {
					if !c.ns.Matches(nl) {
						continue
					}
					if nf.Injection == mesh.InjectDisabled {
						nf.Injection = mesh.InjectNone
					}
					if c.pod.Matches(labels.Set{}) {
						if nf.Injection != mesh.InjectSidecar {
							nf = config.NamespaceFacts{Injection: mesh.InjectSidecar, Revision: c.revision}
						}
						if !contains(revs, c.revision) {
							revs = append(revs, c.revision)
						}
					}
				}
			}
			if len(revs) > 1 {
				r.notef("namespace %s is selected by the injectors of revisions %s: the API server calls them all, and the first (%s) injects",
					n.Name, strings.Join(revs, ", "), revs[0])
			}
			if nf.Injection != mesh.InjectSidecar && nl[mesh.LabelDataplaneMode] == "ambient" {
				if ambient {
					nf = config.NamespaceFacts{Injection: mesh.InjectAmbient}
				} else {
					r.notef("namespace %s is labelled istio.io/dataplane-mode=ambient, but no ztunnel runs: its pods are not in the mesh", n.Name)
				}
			}
			out[n.Name] = nf
		}
		return l.Continue, nil
	})
	if err != nil {
		r.cannot("namespaces", err, "every namespace's dataplane")
		return nil
	}
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// ambient finds the ztunnel DaemonSet, which only an ambient install runs
// (manifests/charts/ztunnel/templates/daemonset.yaml@1.22.0: name
// ztunnel, from 1.26.0 the value resourceName; pods labelled app=ztunnel).
func (r *reader) ambient() config.AmbientFacts {
	var found *appsv1.DaemonSet
	err := listAll(r.ctx, func(opts metav1.ListOptions) (string, error) {
		l, err := r.cs.AppsV1().DaemonSets("").List(r.ctx, opts)
		if err != nil {
			return "", err
		}
		for i := range l.Items {
			d := &l.Items[i]
			if found == nil && (d.Name == "ztunnel" || d.Spec.Template.Labels[labelApp] == "ztunnel") {
				found = d
			}
		}
		return l.Continue, nil
	})
	if err != nil {
		r.cannot("DaemonSets", err, "ambient mode")
		return config.AmbientFacts{}
	}
	if found == nil {
		return config.AmbientFacts{}
	}
	a := config.AmbientFacts{Ztunnel: found.Namespace + "/" + found.Name}
	for _, c := range found.Spec.Template.Spec.Containers {
		if v := imageVersion(c.Image); v != "" {
			a.Version = v
			break
		}
	}
	return a
}

package clusterfacts

import (
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// rootCert reads the mesh root certificate from the ConfigMap
// istio-ca-root-cert that istiod publishes in every namespace it serves:
// in the default revision's namespace, then the other revisions', then the
// mesh root namespace. It gets the ConfigMap by name: the reader's role
// may get ConfigMaps, not list them.
func (r *reader) rootCert(revs map[string]*revision, def, root string) config.RootCertFacts {
	if len(revs) == 0 {
		return config.RootCertFacts{} // no Istio: nothing publishes one
	}
	var namespaces []string
	add := func(ns string) {
		if ns != "" && !slices.Contains(namespaces, ns) {
			namespaces = append(namespaces, ns)
		}
	}
	if rv := revs[def]; rv != nil {
		add(rv.namespace)
	}
	for _, name := range sortedKeys(revs) {
		add(revs[name].namespace)
	}
	add(root)
	for _, ns := range namespaces {
		where := ns + "/" + mesh.RootCertConfigMap
		cm, err := r.cs.CoreV1().ConfigMaps(ns).Get(r.ctx, mesh.RootCertConfigMap, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			r.cannot("ConfigMap "+where, err, "rootCert")
			return config.RootCertFacts{}
		}
		rc := rules.ReadRootCert(cm)
		if rc.Err != "" {
			r.notef("ConfigMap %s: %s (rootCert left out)", where, rc.Err)
			return config.RootCertFacts{}
		}
		// The expiry trust hangs on: the last root's in a rotation, the
		// first root's in a bundle of roots of different subjects.
		notAfter, subject := rc.Expiry()
		return config.RootCertFacts{ConfigMap: where, NotAfter: notAfter.UTC().Format(time.RFC3339), Subject: subject}
	}
	r.notef("no ConfigMap %s in %s: istiod has not published the mesh root certificate there (rootCert left out)",
		mesh.RootCertConfigMap, strings.Join(namespaces, ", "))
	return config.RootCertFacts{}
}

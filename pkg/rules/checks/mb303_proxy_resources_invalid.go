package checks

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// ProxyResourcesInvalid checks the values of the proxy resource
// annotations.
var ProxyResourcesInvalid = &rules.Rule{
	ID:       "MB303",
	Slug:     "proxy-resources-invalid",
	Severity: rules.Error,
	Summary:  "A proxy resource annotation is not a valid quantity, or its limit is below its request",
	Rationale: "The injector copies sidecar.istio.io/proxyCPU, proxyMemory, proxyCPULimit and proxyMemoryLimit into the " +
		"istio-proxy container's resources. A value that is not a Kubernetes quantity (\"256MB\", \"0.5 cores\", \"1GiB\") " +
		"makes the injection fail and the webhook deny the pod; a limit below its request (proxyMemoryLimit: 128Mi with " +
		"proxyMemory: 256Mi) makes the API server reject the pod (\"must be less than or equal to memory limit\"). Either " +
		"way the Job controller cannot create pods and the Job never runs. Every release from 1.22 refuses a value that is " +
		"no quantity; they differ on spaces around one (\" 256Mi\"): from 1.27.6, 1.28.4 and 1.29 the injector checks each " +
		"value with resource.ParseQuantity first and refuses them, while older releases only decode the injected pod, " +
		"which trims spaces (not tabs) and takes the value. With the patch (--istio-version 1.28.3) the finding is exact: " +
		"an error where that patch refuses spaces around a quantity, a warning that an upgrade refuses it where the patch " +
		"accepts it. With a minor alone (1.28), the finding says what the minor does: 1.26 and before accept it (plain spaces; a tab " +
		"still fails), and the finding is a warning that an upgrade to 1.27.6, 1.28.4 or 1.29 refuses it; at 1.27 and " +
		"1.28 it depends on the patch (1.27.0 to 1.27.5 and 1.28.0 to 1.28.3 accept it, 1.27.6 and 1.28.4 on refuse it), " +
		"and the finding is a warning that names the patch from which the webhook denies every pod; from 1.29, and " +
		"without the version, the value is refused and the finding is an error.",
	Remediation: "Use Kubernetes quantities (CPU: 100m, 0.5, 1; memory: 128Mi, 1Gi) and keep each limit at or above its request.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pkg/kube/inject/inject.go RunTemplate (the rendered sidecar must parse as a Pod, else injection fails)",
		"istio/istio pkg/kube/inject/validate.go validateResourceQuantity (1.27.6, 1.28.4, 1.29.0; absent at 1.22.0 to 1.28.0) " +
			"and webhook.go applyOverlayYAML (the injected pod decoded from JSON: resource.Quantity.UnmarshalJSON trims spaces)",
		"istioctl analyze IST0125 InvalidAnnotation (live pods only)",
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml (resources block)",
		"kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        sidecar.istio.io/proxyCPU: "50m"
        sidecar.istio.io/proxyMemory: "256MB"
        sidecar.istio.io/proxyCPULimit: "500m"
        sidecar.istio.io/proxyMemoryLimit: "512Mi"
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        sidecar.istio.io/proxyCPU: "50m"
        sidecar.istio.io/proxyMemory: "256Mi"
        sidecar.istio.io/proxyCPULimit: "500m"
        sidecar.istio.io/proxyMemoryLimit: "512Mi"
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkProxyResourcesInvalid,
}

// proxyResourceKeys are ProxyResourceAnnotations, in the same order, as an
// array that nothing can change.
var proxyResourceKeys = [4]string{mesh.AnnotProxyCPU, mesh.AnnotProxyMemory, mesh.AnnotProxyCPULimit, mesh.AnnotProxyMemLimit}

func checkProxyResourcesInvalid(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		a := w.Template.Annotations
		has := false
		for _, k := range mesh.ProxyResourceAnnotations {
			_, ok := a[k]
			has = has || ok
		}
		if !has {
			continue
		}
		m := rules.MeshOf(p, w)
		if m.Sidecar() == mesh.No {
			continue
		}
		// Not lowered when injection is only assumed: the annotations say
		// the author expects a sidecar, and an injected pod is denied.
		s := p.Rule.Severity
		var as []string
		if m.Injected() == mesh.Unknown {
			as = append(as, m.InjectionAssumption())
		}
		istio := p.Facts.ForNamespace(w.Namespace).IstioVersion
		// the quantities that parse, by index in proxyResourceKeys
		var q [4]resource.Quantity
		var parsed [4]bool
		for i, k := range proxyResourceKeys {
			v, ok := a[k]
			if !ok {
				continue
			}
			n, err := resource.ParseQuantity(v)
			old, oldOK := paddedQuantity(v)
			switch {
			case err != nil && oldOK && !checksQuantity(istio):
				// An istiod that may not check the value yet takes it: report
				// what the minor (and the upgrade) does, and compare the value
				// it uses.
				p.ReportSeverityf(rules.Warning, w.Object, w.TemplateAnnotationPath(k),
					"%s: %s is %q, with spaces around the quantity: %s%s", w.Object.Ref(), k, v, paddedVerdict(istio), assumed(as))
				q[i], parsed[i] = old, true
			case err != nil && oldOK:
				p.ReportSeverityf(s, w.Object, w.TemplateAnnotationPath(k),
					"%s: %s is %q, which is not a Kubernetes quantity (the spaces around it); the injection fails and "+
						"every pod of the Job is denied%s", w.Object.Ref(), k, v, assumed(olderNote(as, istio)))
			case err != nil:
				p.ReportSeverityf(s, w.Object, w.TemplateAnnotationPath(k),
					"%s: %s is %q, which is not a Kubernetes quantity; the injection fails and every pod of the Job is "+
						"denied%s", w.Object.Ref(), k, v, assumed(as))
			case n.Sign() < 0:
				p.ReportSeverityf(s, w.Object, w.TemplateAnnotationPath(k),
					"%s: %s is negative (%q); the API server rejects the pod%s", w.Object.Ref(), k, v, assumed(as))
			default:
				q[i], parsed[i] = n, true
			}
		}
		for _, rl := range [2][2]int{{0, 2}, {1, 3}} { // CPU and its limit, memory and its limit
			r, l := rl[0], rl[1]
			if !parsed[r] || !parsed[l] || q[l].Cmp(q[r]) >= 0 {
				continue
			}
			pair := [2]string{proxyResourceKeys[r], proxyResourceKeys[l]}
			p.ReportSeverityf(s, w.Object, w.TemplateAnnotationPath(pair[1]),
				"%s: %s (%s) is below %s (%s); the API server rejects a container whose limit is below its request, "+
					"so the Job never gets a pod%s", w.Object.Ref(), pair[1], a[pair[1]], pair[0], a[pair[0]], assumed(as))
		}
	}
}

// quantityCheckedSince names the releases whose injector checks the four
// values with resource.ParseQuantity before it renders the sidecar
// (pkg/kube/inject/validate.go validateResourceQuantity, added by "add few
// missing annotation validations": absent at 1.22.0 to 1.28.0, 1.27.5 and
// 1.28.3; present at 1.27.6, 1.28.4, 1.29.0 and 1.30.0).
const quantityCheckedSince = "1.27.6, 1.28.4 and 1.29"

// quantityCheckedFromPatch is, for the minor releases that began to check
// the values in a patch release, that patch.
var quantityCheckedFromPatch = map[int]string{27: "1.27.6", 28: "1.28.4"}

// paddedVerdict says what istiod of version v (one that does not check
// the values in every patch of its minor, or at its known patch; see
// checksQuantity) does with spaces around a quantity.
func paddedVerdict(v mesh.Version) string {
	_, knownPatch := v.Patch()
	if patch, ok := quantityCheckedFromPatch[v.Minor]; ok && v.Major == 1 && !knownPatch {
		return fmt.Sprintf("istiod %s accepts it before %s (those injectors trim the spaces when they read the injected "+
			"pod) and refuses it from %s on, where the webhook denies every pod of the Job; which applies depends on the "+
			"patch release, which --istio-version does not name", v, patch, patch)
	}
	return fmt.Sprintf("istiod %s accepts it (injectors before %s trim the spaces when they read the injected pod), but "+
		"those releases and later refuse it, so once upgraded the webhook denies every pod of the Job", v, quantityCheckedSince)
}

// checksQuantity says whether istiod of version v checks the values
// itself: at its patch when the facts give one, else in every patch
// release of its minor. Unknown versions are taken to (the stricter
// reading).
func checksQuantity(v mesh.Version) bool {
	if !v.Known() || v.Major != 1 {
		return true
	}
	checked, _, _ := injectorChecks(mesh.AnnotProxyCPU, v)
	return checked
}

// paddedQuantity reads a value with spaces around a quantity as injectors
// before quantityCheckedSince do, and says whether they accept it. Those
// render the value into the sidecar template's YAML and decode the patched
// pod from JSON (webhook.go applyOverlayYAML), where
// resource.Quantity.UnmarshalJSON trims spaces off the JSON string before
// it parses it, without unescaping it: spaces that JSON writes as they are
// go, control characters (a tab is written as \t) stay and fail the parse.
// Backslash escapes, which the template's double-quoted YAML would read,
// are not modelled: such a value is taken as refused. ok is false for a
// value without such spaces.
func paddedQuantity(v string) (q resource.Quantity, ok bool) {
	t := strings.TrimFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) && r >= ' ' && r != '\u2028' && r != '\u2029' // the ones encoding/json escapes
	})
	if t == v || strings.ContainsRune(v, '\\') {
		return resource.Quantity{}, false
	}
	q, err := resource.ParseQuantity(t)
	return q, err == nil
}

// olderNote adds to a padded value's assumptions, when the Istio version
// is unknown, that older releases take it.
func olderNote(as []string, v mesh.Version) []string {
	if v.Known() {
		return as
	}
	return append(slices.Clip(as), "Istio releases before "+quantityCheckedSince+" trim the spaces and accept it; pass --istio-version")
}

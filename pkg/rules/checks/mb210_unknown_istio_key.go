package checks

import (
	"slices"
	"strings"
	"sync"

	"istio.io/api/annotation"
	"istio.io/api/label"

	"github.com/meshbatch/meshbatch/internal/suggest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// UnknownIstioKey catches misspelt Istio annotations and labels on pod
// templates, which Istio ignores without a word.
var UnknownIstioKey = &rules.Rule{
	ID:       "MB210",
	Slug:     "unknown-istio-key",
	Severity: rules.Warning,
	Summary:  "A pod template annotation or label in an istio.io domain is not one Istio knows",
	Rationale: "Istio reads its pod settings from annotations and labels with exact, case-sensitive keys, and ignores " +
		"any other key in its domains without a warning: sidecar.istio.io/nativeSideCar asks for nothing, " +
		"sidecar.istio.io/proxyMemmory leaves the proxy at the mesh default, and " +
		"sidecar.istio.io/excludeOutboundPorts (the real key is traffic.sidecar.istio.io/excludeOutboundPorts) " +
		"keeps capturing the port. The other rules then report what the setting was meant to prevent, and the author " +
		"believes it is set. The known keys are those of istio.io/api's annotation and label packages, which Istio's " +
		"own analyzer (IST0108 UnknownAnnotation) also checks, on live pods only.",
	Remediation: "Correct the key to the one suggested, or remove it; the keys Istio reads are listed at istio.io/latest/docs/reference/config/annotations and .../labels.",
	Kinds:       []string{"Job", "CronJob"},
	Reads:       rules.Reads{}, // its own workloads only
	Sources: []string{
		"istio/api annotation/annotations.yaml and label/labels.yaml (the generated Go packages list the keys; a few more that istio/istio reads are added)",
		"istio/istio pkg/config/analysis/analyzers/annotations (IST0108 UnknownAnnotation)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        sidecar.istio.io/nativeSideCar: "true"
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
        sidecar.istio.io/nativeSidecar: "true"
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkUnknownIstioKey,
}

func checkUnknownIstioKey(p *rules.Pass) {
	known := knownIstioKeys()
	for _, w := range p.Index.BatchWorkloads() {
		unknown := func(key string) bool { return inIstioDomain(key) && !known.names[key] }
		for _, key := range sortedKeysWhere(w.Template.Annotations, unknown) {
			p.Reportf(w.Object, w.TemplateAnnotationPath(key), "%s has the pod annotation %q, %s",
				w.Object.Ref(), key, known.explain(key))
		}
		for _, key := range sortedKeysWhere(w.Template.Labels, unknown) {
			p.Reportf(w.Object, w.TemplateLabelPath(key), "%s has the pod label %q, %s",
				w.Object.Ref(), key, known.explain(key))
		}
	}
}

// inIstioDomain reports whether a key is in one of Istio's domains
// (istio.io, sidecar.istio.io, traffic.sidecar.istio.io, ...).
func inIstioDomain(key string) bool {
	domain, _, ok := strings.Cut(key, "/")
	return ok && (domain == "istio.io" || strings.HasSuffix(domain, ".istio.io"))
}

// istioKeys are the annotation and label keys Istio defines, and the
// names (after the '/') of each domain, for suggestions.
type istioKeys struct {
	names    map[string]bool
	byDomain map[string][]string // domain -> names in it
	byName   map[string][]string // name -> the keys with that name, in any domain
}

var knownIstioKeys = sync.OnceValue(func() istioKeys {
	k := istioKeys{names: map[string]bool{}, byDomain: map[string][]string{}, byName: map[string][]string{}}
	add := func(key string) {
		if k.names[key] {
			return
		}
		k.names[key] = true
		domain, name, _ := strings.Cut(key, "/")
		k.byDomain[domain] = append(k.byDomain[domain], name)
		k.byName[name] = append(k.byName[name], key)
	}
	for _, a := range annotation.AllResourceAnnotations() {
		add(a.Name)
	}
	for _, l := range label.AllResourceLabels() {
		add(l.Name)
	}
	for _, key := range readButNotListed {
		add(key)
	}
	return k
})

// readButNotListed are keys in Istio's domains that Istio's code or its
// injection template reads but istio.io/api does not list (found by
// searching istio/istio at the version e2e/ pins).
var readButNotListed = []string{
	"sidecar.istio.io/capNetBindService", // injection template
	"ambient.istio.io/xfcc-include-client-identity",
	"networking.istio.io/address-type",
	"networking.istio.io/cluster",
	"networking.istio.io/tunnel",
	"prometheus.istio.io/scrape-targets",
	"prometheus.istio.io/secure-port",
	"proxy.istio.io/health-checks-enabled",
}

// explain says why an unknown key does nothing, with the key it was
// probably meant to be.
func (k istioKeys) explain(key string) string {
	const ignored = "which Istio does not define: it ignores the key, so the setting it was meant for is not applied"
	domain, name, _ := strings.Cut(key, "/")
	if keys := k.byName[name]; len(keys) > 0 { // right name, wrong domain
		return ignored + "; did you mean " + quoteAll(keys) + "?"
	}
	if s := suggest.Closest(name, k.byDomain[domain]); s != "" {
		return ignored + "; did you mean \"" + domain + "/" + s + "\"?"
	}
	return ignored
}

func quoteAll(keys []string) string {
	sorted := slices.Sorted(slices.Values(keys))
	for i, key := range sorted {
		sorted[i] = "\"" + key + "\""
	}
	return strings.Join(sorted, " or ")
}

package checks

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// NativeSidecarValue catches sidecar.istio.io/nativeSidecar values whose
// meaning depends on the Istio version.
var NativeSidecarValue = &rules.Rule{
	ID:       "MB211",
	Slug:     "native-sidecar-value",
	Severity: rules.Warning,
	Summary:  "sidecar.istio.io/nativeSidecar is neither \"true\" nor \"false\", and Istio versions read it differently",
	Rationale: "Istio's injection template compares the annotation's value as a string, and the comparison changed in " +
		"1.27. Istio 1.24 to 1.26 inject a native sidecar only for the exact value \"true\": any other value set " +
		"(\"True\", \"yes\", \"1\", \"\") gives a classic sidecar, which keeps a Job's pod running after the app exits " +
		"(MB101), and it also overrides istiod's ENABLE_NATIVE_SIDECARS. From 1.27 any value but \"false\" asks for a " +
		"native sidecar, so \"False\", \"no\" and \"off\" ask for one too, and an empty value counts as no annotation, " +
		"leaving the choice to istiod. Before 1.24 the annotation does not exist. The same manifest thus changes its " +
		"sidecar on an upgrade. Without the Istio version meshbatch's lifecycle rules read such a value as 1.24 to 1.26 " +
		"do (a classic sidecar). The consequences on the cluster at hand are reported by MB101 and MB106; this rule " +
		"reports the value itself, whatever the version.",
	Remediation: "Write exactly \"true\" for a native sidecar or \"false\" for a classic one, quoted so that YAML keeps it a string.",
	Kinds:       []string{"Job", "CronJob"},
	Reads:       rules.Reads{}, // its own workloads only
	Sources: []string{
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml@1.24.0, @1.26.0 " +
			"($nativeSidecar: eq ... \"true\", and isset overrides ENABLE_NATIVE_SIDECARS)",
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml@1.27.0 " +
			"($nativeSidecar: ne (... | default .NativeSidecars) \"false\")",
		"istio/api annotation/annotations.yaml (sidecar.istio.io/nativeSidecar, Istio 1.24)",
	},
	Bad: `# facts: istioVersion=1.25
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations: {sidecar.istio.io/nativeSidecar: "True"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `# facts: istioVersion=1.25
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations: {sidecar.istio.io/nativeSidecar: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkNativeSidecarValue,
}

func checkNativeSidecarValue(p *rules.Pass) {
	v := p.Facts.IstioVersion
	for _, w := range p.Index.BatchWorkloads() {
		val, ok := w.Template.Annotations[mesh.AnnotNative]
		if !ok || val == "true" || val == "false" {
			continue
		}
		if _, _, pre := rules.InjectedProxy(w); pre {
			continue // injected already: the annotation no longer decides anything
		}
		old := fmt.Sprintf("Istio 1.24 to 1.26 give %q a classic sidecar (only the exact value \"true\" asks for a native one) "+
			"and let it override ENABLE_NATIVE_SIDECARS", val)
		newer := fmt.Sprintf("from 1.27 %q %s", val, reading127(val))
		var what string
		switch {
		case v.AtLeast(1, 24) == mesh.No:
			what = fmt.Sprintf("Istio %s ignores the annotation, but after an upgrade %s, and %s", v, old, newer)
		case v.AtLeast(1, 27) == mesh.Yes:
			what = fmt.Sprintf("on Istio %s %q %s, while %s", v, val, reading127(val), old)
		case v.Known():
			what = fmt.Sprintf("Istio %s injects a native sidecar only for the exact value \"true\", so %q gives a classic "+
				"sidecar and overrides istiod's ENABLE_NATIVE_SIDECARS; %s", v, val, newer)
		default:
			what = fmt.Sprintf("%s, and %s; the Istio version was not given (pass --istio-version or facts.istioVersion "+
				"in .meshbatch.yaml), so the lifecycle rules assume a classic sidecar", old, newer)
		}
		p.Reportf(w.Object, w.TemplateAnnotationPath(mesh.AnnotNative),
			"%s sets sidecar.istio.io/nativeSidecar: %q, which is neither \"true\" nor \"false\": %s",
			w.Object.Ref(), val, what)
	}
}

// reading127 is what Istio 1.27 and later make of a value other than
// "true" and "false".
func reading127(val string) string {
	switch {
	case val == "":
		return "counts as no annotation, so istiod's ENABLE_NATIVE_SIDECARS decides"
	case isFalseWord(val) || strings.TrimSpace(val) == "0":
		return "asks for a native sidecar although it reads as a refusal (only the exact \"false\" refuses)"
	}
	return "asks for a native sidecar (any value but \"false\" does)"
}

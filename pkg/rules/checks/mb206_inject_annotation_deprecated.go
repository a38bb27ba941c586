package checks

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// InjectAnnotationDeprecated checks how a pod asks for (no) injection.
var InjectAnnotationDeprecated = &rules.Rule{
	ID:       "MB206",
	Slug:     "inject-annotation-deprecated",
	Severity: rules.Warning,
	Summary:  "Injection is controlled with the deprecated annotation or a label value the webhook does not match",
	Rationale: "sidecar.istio.io/inject is a pod label; the annotation of the same name is deprecated (istio/api 1.15). " +
		"The difference matters because of where each is read. The injection webhook's objectSelector sees labels only: " +
		"in a namespace without istio-injection or istio.io/rev the webhook is called only for pods labelled exactly " +
		"\"true\", so the annotation \"true\" (or a label \"True\", \"yes\") injects nothing there. Once called, the " +
		"injector reads the label, or else the annotation, and injects for y, yes, true or on, and for nothing else: " +
		"\"enabled\" or \"1\" means no sidecar. When both are set the label wins and the annotation is ignored. " +
		"The annotation \"false\" still works and is reported as info only, as istioctl's IST0135 does. A value in " +
		"typographic quotes (“true”, pasted from a document) keeps the quotes: YAML reads them as part of the value, " +
		"so the injector reads it as false, and the message says so.",
	Remediation: "Use the label sidecar.istio.io/inject with the exact value \"true\" or \"false\" on the pod template, and remove the annotation.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/api annotation/annotations.yaml (sidecar.istio.io/inject deprecated) and label/labels.yaml",
		"istio/istio manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml (objectSelector)",
		"istio/istio pkg/kube/inject/inject.go injectRequired",
		"istio/istio pkg/config/analysis/analyzers/annotations (IST0135)",
	},
	Bad: `apiVersion: v1
kind: Namespace
metadata: {name: batch}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      annotations: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `apiVersion: v1
kind: Namespace
metadata: {name: batch}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	AutoFix: "Turns the annotation \"false\", or \"true\" in a namespace labelled for injection, into the pod label " +
		"with the same value, keeping its comment, when the pod has no such label; sets a label that means false " +
		"(\"no\", \"off\"), or true (\"True\", \"yes\") in a labelled namespace, to the exact value. These keep what the pod " +
		"gets. No fix where the label would give the pod a sidecar it lacks today (the namespace is not labelled, or " +
		"not in the input), for a value whose meaning is not certain (\"enabled\", typographic quotes), or when both " +
		"the label and the annotation are set.",
	Check: checkInjectAnnotationDeprecated,
}

func checkInjectAnnotationDeprecated(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		label, hasLabel := w.Template.Labels[mesh.LabelInject]
		annot, hasAnnot := w.Template.Annotations[mesh.LabelInject]
		nsLabelled := nsLabelledForInjection(p.Index, w.Namespace)
		if hasLabel && label != "true" && label != "false" {
			lp := w.TemplateLabelPath(mesh.LabelInject)
			exact := "true"
			if !mesh.InjectTruthy(label) {
				exact = "false"
			}
			fixLabel := rules.Offer{Description: "set the label to the exact value", Build: func(ed *manifest.Editor) error {
				if !isFalseWord(label) && !(mesh.InjectTruthy(label) && nsLabelled == mesh.Yes) {
					// "enabled" is not certain; "yes" where the webhook is
					// not called would give the pod a sidecar it lacks today
					return manifest.ErrNoEdit
				}
				return ed.ReplaceScalar(lp, exact)
			}}
			switch {
			case mesh.InjectTruthy(label) && nsLabelled == mesh.Yes:
				// the webhook is called and reads it as true: only style
				p.ReportSeverityFixf(fixLabel, rules.Info, w.Object, lp,
					"%s labels its pod sidecar.istio.io/inject: %q; it works in namespace %s, which is labelled for "+
						"injection, but only the exact value \"true\" works everywhere", w.Object.Ref(), label, w.Namespace)
			case mesh.InjectTruthy(label):
				p.ReportSeverityFixf(fixLabel, sev(p.Rule, nsLabelled == mesh.No), w.Object, lp,
					"%s labels its pod sidecar.istio.io/inject: %q, but in a namespace without an injection label the "+
						"webhook is called only for the exact value \"true\", so the pod gets no sidecar%s",
					w.Object.Ref(), label, nsNote(nsLabelled, w.Namespace))
			case isFalseWord(label):
				p.ReportSeverityFixf(fixLabel, rules.Info, w.Object, lp,
					"%s labels its pod sidecar.istio.io/inject: %q; it means false, but the documented value is \"false\"",
					w.Object.Ref(), label)
			default:
				p.Reportf(w.Object, lp,
					"%s labels its pod sidecar.istio.io/inject: %q, which the injector reads as false (it injects only "+
						"for y, yes, true or on), so the pod gets no sidecar%s", w.Object.Ref(), label, mesh.QuoteNote("the label", label))
			}
		}
		if !hasAnnot {
			continue
		}
		ap := w.TemplateAnnotationPath(mesh.LabelInject)
		toLabel := rules.Offer{Description: "turn the annotation into the label sidecar.istio.io/inject", Build: func(ed *manifest.Editor) error {
			if hasLabel || annot != "false" && !(annot == "true" && nsLabelled == mesh.Yes) {
				// only the exact values carry over, and "true" only where
				// the webhook is called anyway: elsewhere the label would
				// give the pod a sidecar it lacks today
				return manifest.ErrNoEdit
			}
			return ed.Move(ap, w.TemplateField("metadata.labels"), mesh.LabelInject)
		}}
		switch {
		case hasLabel && mesh.InjectTruthy(label) != mesh.InjectTruthy(annot):
			p.Reportf(w.Object, ap,
				"%s has both the label sidecar.istio.io/inject: %q and the deprecated annotation %q: the label wins "+
					"and the annotation is ignored%s", w.Object.Ref(), label, annot, mesh.QuoteNote("the annotation", annot))
		case hasLabel:
			// same meaning: Istio suppresses IST0135 here too
		case mesh.InjectTruthy(annot) && nsLabelled == mesh.Yes:
			p.ReportSeverityFixf(toLabel, rules.Info, w.Object, ap,
				"%s uses the deprecated annotation sidecar.istio.io/inject; it works in namespace %s, which is labelled "+
					"for injection, but use the label", w.Object.Ref(), w.Namespace)
		case mesh.InjectTruthy(annot):
			p.ReportSeverityFixf(toLabel, sev(p.Rule, nsLabelled == mesh.No), w.Object, ap,
				"%s asks for a sidecar with the deprecated annotation sidecar.istio.io/inject, which the injection "+
					"webhook's objectSelector cannot see: in a namespace without an injection label the pod gets no sidecar%s",
				w.Object.Ref(), nsNote(nsLabelled, w.Namespace))
		default:
			if inner, quoted := mesh.TypographicallyQuoted(annot); quoted && mesh.InjectTruthy(inner) {
				p.Reportf(w.Object, ap,
					"%s disables injection with the deprecated annotation sidecar.istio.io/inject: %q, which the injector "+
						"reads as false%s", w.Object.Ref(), annot, mesh.QuoteNote("the annotation", annot))
				continue
			}
			p.ReportSeverityFixf(toLabel, rules.Info, w.Object, ap,
				"%s disables injection with the deprecated annotation sidecar.istio.io/inject: %q; it still works, "+
					"but use the label%s", w.Object.Ref(), annot, mesh.QuoteNote("the annotation", annot))
		}
	}
}

// namespaceInjects says whether a namespace is labelled for sidecar
// injection (istio-injection=enabled, or istio.io/rev without
// istio-injection); Unknown when the Namespace is not loaded.
func nsLabelledForInjection(ix *rules.Index, name string) mesh.Tri {
	ns := ix.Namespace(name)
	if ns == nil {
		return mesh.Unknown
	}
	inj, rev := ns.Labels[mesh.LabelNSInjection], ns.Labels[mesh.LabelRev]
	return mesh.TriOf(inj == "enabled" || (inj == "" && rev != ""))
}

func nsNote(t mesh.Tri, ns string) string {
	switch t {
	case mesh.No:
		return fmt.Sprintf(", and namespace %s has none", ns)
	case mesh.Unknown:
		return fmt.Sprintf(" (namespace %s is not in the input, so whether it is labelled is unknown)", ns)
	}
	return ""
}

func isFalseWord(v string) bool {
	switch strings.ToLower(v) {
	case "false", "n", "no", "off":
		return true
	}
	return false
}

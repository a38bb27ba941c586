package checks

import (
	"regexp"
	"strings"
	"sync"

	meshv1alpha1 "istio.io/api/mesh/v1alpha1"

	"github.com/meshbatch/meshbatch/internal/suggest"
	"github.com/meshbatch/meshbatch/pkg/istiovalid"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// ProxyConfigInvalid checks the proxy.istio.io/config annotation.
var ProxyConfigInvalid = &rules.Rule{
	ID:       "MB204",
	Slug:     "proxy-config-invalid",
	Severity: rules.Error,
	Summary:  "The pod's proxy.istio.io/config annotation breaks injection, fails the injector's ProxyConfig validation, or carries a field Istio drops",
	Rationale: "The injector validates proxy.istio.io/config before injecting (validateAnnotations, then " +
		"protomarshal.ApplyYAML into a ProxyConfig). Text that is not YAML, or a value of the wrong type (the string " +
		"\"true\" where a boolean goes, a number for a duration), fails the injection, and the webhook then denies the pod: " +
		"the Job controller cannot create pods at all. The injector then applies the text over its default ProxyConfig and " +
		"runs ValidateMeshConfigProxyConfig on the result; an error there denies the pod too: a discoveryAddress without " +
		"a port, a drainDuration of zero or not in whole seconds, a statusPort or proxyAdminPort outside 1-65535, a tracing " +
		"or statsd address that is not host:port, a controlPlaneAuthPolicy other than NONE or MUTUAL_TLS. (Istio decodes " +
		"with the legacy jsonpb decoder, which takes Go durations such as \"1m\".) An unknown field does not fail: ApplyYAML retries with unknown " +
		"fields allowed and drops them, so a misspelt holdApplicationUntilProxyStart silently does nothing and the app " +
		"races the proxy again. (The catalogue said a typo denies the pod; Istio's code says it is dropped, so this rule " +
		"reports it as a warning.) istioctl analyze reports the former as IST0125, but only on live pods.",
	Remediation: "Write proxy.istio.io/config as JSON or YAML with ProxyConfig's field names, types and valid values (addresses as host:port, ports 1-65535, drainDuration in whole seconds), e.g. '{\"holdApplicationUntilProxyStarts\": true, \"proxyMetadata\": {\"SECRET_TTL\": \"24h\"}}'.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pkg/kube/inject/validate.go (validateProxyConfig)",
		"istio/istio pkg/config/validation/agent/validation.go (ValidateMeshConfigProxyConfig)",
		"istio/istio pkg/config/mesh/mesh.go (DefaultProxyConfig, the values the annotation is applied over)",
		"istio/istio pkg/util/protomarshal/protomarshal.go (ApplyYAML allows unknown fields)",
		"istio/istio pkg/kube/inject/webhook.go (injection error denies the pod)",
		"istio/api mesh/v1alpha1/proxy.proto",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": "true"}'
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
        proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkProxyConfigInvalid,
}

var (
	unknownFieldRE = regexp.MustCompile(`unknown field "([^"]+)"`)
	// credentialLikeRE matches variable names that look like credentials
	// (SECRET_TTL and the other SECRET_* agent settings are durations).
	credentialLikeRE = regexp.MustCompile(`(?i)PASSW(OR)?D|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SECRET(_?KEY|_?ACCESS|["'\s:=]|$)|CREDENTIAL`)
)

func checkProxyConfigInvalid(p *rules.Pass) {
	closest := map[string]string{}             // closestProxyConfigField's answers
	verdicts := map[string]istiovalid.Issues{} // the injector's, by annotation text
	for _, w := range p.Index.BatchWorkloads() {
		raw, ok := w.Template.Annotations[mesh.AnnotProxyConfig]
		if !ok {
			continue
		}
		m := rules.MeshOf(p, w)
		if m.Sidecar() == mesh.No {
			continue
		}
		verdict, seen := verdicts[raw]
		if !seen {
			// Jobs of one repository share their annotations
			verdict = istiovalid.ProxyConfigAnnotation(raw)
			verdicts[raw] = verdict
		}
		_, err := w.ProxyConfig()
		if !verdict.Rejected() && (err != nil || w.ProxyConfigStrictErr() == nil) {
			// the common case; or text protojson refuses and the
			// injector's decoder takes (a duration such as "1m")
			continue
		}
		certain := m.Sidecar() == mesh.Yes
		var as []string
		if !certain {
			as = append(as, "assumed injected: "+m.Inj.Reason)
		}
		path := w.TemplateAnnotationPath(mesh.AnnotProxyConfig)
		if verdict.Rejected() && verdict[0].Path == "" {
			what := "not a valid ProxyConfig: " + strings.TrimPrefix(verdict[0].Msg, "failed to convert to apply proxy config: ")
			if err != nil {
				what = err.Error() // protojson's wording names the field
			}
			if credentialLikeRE.MatchString(raw) {
				// proxyMetadata becomes istio-proxy's environment: do not
				// echo values next to credential-like names
				what = "not a valid ProxyConfig (details not shown: it names credential-like variables)"
			}
			p.Reportf(w.Object, path, // an assumed injection is not lowered: the pod is denied
				"%s: proxy.istio.io/config is %s; the injector fails on it and the webhook denies every pod of the Job%s",
				w.Object.Ref(), what, assumed(as))
			continue
		}
		if verdict.Rejected() {
			for _, i := range verdict {
				if i.Warning {
					continue // the injector drops ValidateMeshConfigProxyConfig's warnings
				}
				p.Reportf(w.Object, path,
					"%s: proxy.istio.io/config sets %s, which the injector's ProxyConfig validation refuses: %s; the webhook "+
						"denies every pod of the Job%s", w.Object.Ref(), i.Path, i.Msg, assumed(as))
			}
			continue
		}
		err = w.ProxyConfigStrictErr()
		field := ""
		if mm := unknownFieldRE.FindStringSubmatch(err.Error()); mm != nil {
			field = mm[1]
		}
		suggestion, ok := closest[field]
		if !ok {
			// the same misspellings recur across a repository's Jobs
			suggestion = closestProxyConfigField(field)
			closest[field] = suggestion
		}
		hint := ""
		if suggestion != "" {
			hint = " (did you mean " + suggestion + "?)"
		}
		s := rules.Warning
		if !certain {
			s = rules.Info
		}
		p.ReportSeverityf(s, w.Object, path,
			"%s: proxy.istio.io/config has the field %q, which ProxyConfig does not have%s; Istio drops it silently, so "+
				"the setting has no effect", w.Object.Ref(), field, hint)
	}
}

// closestProxyConfigField suggests the ProxyConfig field a misspelt name
// was meant to be, or "".
func closestProxyConfigField(name string) string {
	if name == "" {
		return ""
	}
	return suggest.Closest(name, proxyConfigFields())
}

// proxyConfigFields are ProxyConfig's JSON field names, in declaration
// order.
var proxyConfigFields = sync.OnceValue(func() []string {
	fields := (&meshv1alpha1.ProxyConfig{}).ProtoReflect().Descriptor().Fields()
	out := make([]string, fields.Len())
	for i := range out {
		out[i] = fields.Get(i).JSONName()
	}
	return out
})

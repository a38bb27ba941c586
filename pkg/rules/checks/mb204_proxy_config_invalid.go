package checks

import (
	"fmt"
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
	Summary:  "The pod's proxy.istio.io/config annotation breaks injection, fails the injector's ProxyConfig validation (of --istio-version's release, else 1.31), or carries a field Istio drops",
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
		"reports it as a warning.) The check and ProxyConfig's fields change between releases: with --istio-version " +
		"(1.22 or later) MB204 follows that release's injector, as docs/istio-validation-versions.md lists. What it " +
		"rejects is an error; what only newer releases reject (connectionSettings values from 1.31, a configmap:// " +
		"tracing credential from 1.26) is a warning that the pods will be denied after an upgrade; a field the " +
		"release's ProxyConfig does not have yet (connectionSettings before 1.31, fileFlushInterval before 1.29) is a " +
		"warning that its injector drops it, values and all, so the setting does nothing. Without the version, Istio " +
		"1.31's injector; before 1.22, 1.22's, as warnings. istioctl analyze reports the former as IST0125, but only on live pods.",
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
		"istio/istio pkg/config/validation/agent/validation.go, pkg/kube/inject/validate.go, pkg/util/protomarshal and " +
			"go.mod's istio.io/api at every patch tag from 1.22.0 to 1.31.0-rc.0 (the differences: " +
			"docs/istio-validation-versions.md, pkg/istiovalid/releases.go and proxyconfig_fields.go)",
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

// proxyConfigVerdict is what the injectors say of one annotation text:
// the facts' release's, and the rejections of newer releases only.
type proxyConfigVerdict struct {
	is      istiovalid.Issues
	dropped []istiovalid.DroppedField
	newer   []newerRejection
}

func proxyConfigVerdictAt(r istiovalid.Release, raw string) proxyConfigVerdict {
	var v proxyConfigVerdict
	v.is, v.dropped = istiovalid.ProxyConfigAnnotationAt(r, raw)
	if v.is.Rejected() && v.is[0].Path == "" {
		return v // the text fails as a whole already
	}
	rejected := map[string]bool{}
	for _, i := range v.is {
		if !i.Warning {
			rejected[i.Path] = true
		}
	}
	v.newer = laterRejections(r, func(m istiovalid.Release) istiovalid.Issues {
		is, _ := istiovalid.ProxyConfigAnnotationAt(m, raw)
		return is
	}, func(i istiovalid.Issue) bool { return rejected[i.Path] })
	return v
}

func checkProxyConfigInvalid(p *rules.Pass) {
	r, exact := validatedRelease(p)
	closest := map[string]string{}              // closestProxyConfigField's answers
	verdicts := map[string]proxyConfigVerdict{} // the injectors', by annotation text
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
			verdict = proxyConfigVerdictAt(r, raw)
			verdicts[raw] = verdict
		}
		_, err := w.ProxyConfig()
		strictErr := w.ProxyConfigStrictErr()
		if !verdict.is.Rejected() && verdict.dropped == nil && verdict.newer == nil && (err != nil || strictErr == nil) {
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
		who := injectorOf(p, r, exact)
		if verdict.is.Rejected() && verdict.is[0].Path == "" {
			i := verdict.is[0]
			what := "not a valid ProxyConfig: " + strings.TrimPrefix(i.Msg, "failed to convert to apply proxy config: ")
			if err != nil && verdict.dropped == nil {
				what = err.Error() // protojson's wording names the field
			}
			if credentialLikeRE.MatchString(raw) {
				// proxyMetadata becomes istio-proxy's environment: do not
				// echo values next to credential-like names
				what = "not a valid ProxyConfig (details not shown: it names credential-like variables)"
			}
			sev, patches, denies := denial(p, exact, i)
			p.ReportSeverityf(sev, w.Object, path, // an assumed injection is not lowered: the pod is denied
				"%s: proxy.istio.io/config is %s; %s fails on it%s and %s%s",
				w.Object.Ref(), what, who, patches, denies, assumed(as))
			continue
		}
		for _, i := range verdict.is {
			if i.Warning {
				continue // the injector drops ValidateMeshConfigProxyConfig's warnings
			}
			sev, patches, denies := denial(p, exact, i)
			p.ReportSeverityf(sev, w.Object, path,
				"%s: proxy.istio.io/config sets %s, which the ProxyConfig validation of %s refuses%s: %s; %s%s",
				w.Object.Ref(), i.Path, who, patches, i.Msg, denies, assumed(as))
		}
		s := rules.Warning
		if !certain {
			s = rules.Info
		}
		for _, d := range verdict.dropped {
			p.ReportSeverityf(s, w.Object, path,
				"%s: proxy.istio.io/config sets %s, which the ProxyConfig of %s does not have (it comes in %s): the injector "+
					"drops it, so the setting has no effect", w.Object.Ref(), d.Path, releaseName(p, r, exact), d.Since)
		}
		for _, n := range verdict.newer {
			what := "proxy.istio.io/config sets " + n.Path + ", which newer Istio's injector (" + n.releases() + ") refuses"
			if n.Path == "" {
				what = "newer Istio's injector (" + n.releases() + ") fails on proxy.istio.io/config"
			}
			after := "after an upgrade"
			if n.last() != istiovalid.Latest {
				after = "after an upgrade to one of those releases"
			}
			p.ReportSeverityf(rules.Warning, w.Object, path, "%s: %s: %s; istiod %s injects the pods, but the webhook will "+
				"deny every pod of the Job %s%s", w.Object.Ref(), what, n.Msg, p.Facts.IstioVersion, after, assumed(as))
		}
		if verdict.is.Rejected() || err != nil || strictErr == nil {
			continue
		}
		field := ""
		if mm := unknownFieldRE.FindStringSubmatch(strictErr.Error()); mm != nil {
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
		p.ReportSeverityf(s, w.Object, path,
			"%s: proxy.istio.io/config has the field %q, which ProxyConfig does not have%s; Istio drops it silently, so "+
				"the setting has no effect", w.Object.Ref(), field, hint)
	}
}

// injectorOf names the injector whose verdict MB204 gives, as whose does
// the webhook for MB002.
func injectorOf(p *rules.Pass, r istiovalid.Release, exact bool) string {
	v := p.Facts.IstioVersion
	switch {
	case !v.Known() || v.Major != 1:
		return "the injector (Istio as of " + istiovalid.AsOf + ")"
	case !exact:
		return fmt.Sprintf("Istio %s's injector (the oldest meshbatch knows; istiod %s may differ)", r, v)
	case v.Minor > istiovalid.AsOfMinor:
		return fmt.Sprintf("the injector (as of Istio %s; istiod %s may have more checks)", istiovalid.AsOf, v)
	}
	return fmt.Sprintf("istiod %s's injector", r)
}

// releaseName names release r for a field it lacks.
func releaseName(p *rules.Pass, r istiovalid.Release, exact bool) string {
	if !exact {
		return fmt.Sprintf("Istio %s (the oldest meshbatch knows; istiod %s is older still)", r, p.Facts.IstioVersion)
	}
	return "istiod " + r.String()
}

// denial is a rejection's severity and effect: an error where every patch
// of the release rejects, a warning naming the patches where only some
// do, or where the release is older than any meshbatch knows.
func denial(p *rules.Pass, exact bool, i istiovalid.Issue) (sev rules.Severity, patches, denies string) {
	const deny = "the webhook denies every pod of the Job"
	switch {
	case i.Patches != "":
		return rules.Warning, fmt.Sprintf(" in patches %s (the facts give no patch)", i.Patches), deny + " on those patches"
	case !exact:
		return rules.Warning, "", fmt.Sprintf("%s if istiod %s makes the check", deny, p.Facts.IstioVersion)
	}
	return rules.Error, "", deny
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

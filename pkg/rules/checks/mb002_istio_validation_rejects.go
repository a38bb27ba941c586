package checks

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/meshbatch/meshbatch/pkg/istiovalid"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// IstioValidationRejects reports what istiod's validating webhook says of
// the Istio objects meshbatch reads.
var IstioValidationRejects = &rules.Rule{
	ID:       "MB002",
	Slug:     "istio-validation-rejects",
	Severity: rules.Error,
	Summary:  "Istio's validating webhook (as of Istio 1.31) rejects the object, or accepts it with a warning",
	Rationale: "istiod registers a validating webhook for its configuration kinds. Before an object is stored it runs the " +
		"kind's validation (istio/istio pkg/config/validation): a ServiceEntry with resolution DNS, no endpoints and a " +
		"host that is not a fully qualified name (*.example.com), a Sidecar with nothing in it, an egress host without " +
		"its namespace/ part, a DestinationRule with an empty trafficPolicy, a DENY AuthorizationPolicy without rules, a " +
		"port name that is not a DNS label. An error makes kubectl apply, Helm and Argo CD fail on the whole object, so " +
		"the policy or entry the Job counts on never exists; a warning is printed and the object is stored. The CRD " +
		"schema does not catch these, so a dry run against a cluster without istiod passes. istioctl analyze reports " +
		"them as IST0106. meshbatch reports every error and warning Istio's validation returns, at the field; an " +
		"e2e test holds its checks to Istio's own functions (e2e/istiovalid) at the version e2e/go.mod pins, which " +
		"is Istio as of 1.31: Istio adds checks between releases, so when --istio-version names an older istiod the " +
		"message says newer Istio rejects the object rather than that the cluster's webhook does, that applying it may " +
		"fail and will after an upgrade, and the finding is a warning. An object read " +
		"from a cluster (lint --cluster) is stored already: it got in while validation was off or under another " +
		"Istio version, and re-applying it fails. What MB503 (portLevelMtls), MB509 (serviceAccounts) and MB611 " +
		"(MUTUAL without a client certificate) report is left to them when they run, and reported here when they do not.",
	Remediation: "Fix the field the finding points at as its message says; the message is Istio's reason.",
	Kinds:       istiovalid.Kinds,
	Reads:       rules.Reads{Loop: istiovalid.Kinds},
	Sources: []string{
		"istio/istio pkg/config/validation/validation.go (ValidateServiceEntry, ValidateSidecar, ValidateDestinationRule, " +
			"ValidateAuthorizationPolicy, ValidatePeerAuthentication, validateMetadata)",
		"istio/istio pkg/config/validation/agent/validation.go (ValidateTLS, ValidateLocalityLbSetting, host checks)",
		"istio/istio pkg/webhooks/validation/server/server.go (the webhook denies on an error, passes warnings on)",
		"istioctl analyze IST0106 SchemaValidationError",
		"e2e/go.mod (the istio.io/istio version the checks are held to: main of 2026-08-27, after the 1.31 branch)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner-api, namespace: etl}
spec:
  hosts: ["*.partner.example.com"]
  ports:
    - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
  location: MESH_EXTERNAL
`,
	Good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner-api, namespace: etl}
spec:
  hosts: ["api.partner.example.com"]
  ports:
    - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
  location: MESH_EXTERNAL
`,
	Check: checkIstioValidation,
}

// reportedElsewhere are the beginnings of Istio's messages that other
// rules report at the same field, with their own explanation, by kind;
// MB002 reports them itself when the other rule is not run.
var reportedElsewhere = map[string]struct {
	rule     string
	prefixes []string
}{
	"PeerAuthentication": {"MB503", []string{
		"mesh/namespace peer authentication cannot have port level mTLS", "port must be in range 1..65535",
	}},
	"AuthorizationPolicy": {"MB509", []string{
		"cannot set serviceAccounts with namespaces or principals", "may not have more than 16 values",
		"wildcard not allowed, found in", "expected format 'serviceAccount' or 'namespace/serviceAccount'",
	}},
	"DestinationRule": {"MB611", []string{
		"client certificate required for mutual tls", "private key required for mutual tls",
	}},
}

func checkIstioValidation(p *rules.Pass) {
	for _, kind := range istiovalid.Kinds {
		for _, o := range p.Index.OfKind(kind) {
			var spec proto.Message
			if kind == "AuthorizationPolicy" {
				spec = &rules.AuthorizationPolicy(o).Spec
			} else {
				spec, _ = rules.Spec(o).(proto.Message)
			}
			if spec == nil {
				continue
			}
			// PILOT_ENABLE_IP_AUTOALLOCATE is on by default; it only
			// decides a warning about TCP ports, which MB602 covers
			is, _ := istiovalid.Config(istiovalid.Meta{
				Namespace: rules.NamespaceOf(o), Name: o.Name, Labels: o.Labels, Annotations: o.Annotations,
			}, spec, true)
			other := reportedElsewhere[kind]
			for _, i := range is {
				if other.rule != "" && p.RuleRuns(other.rule) &&
					slices.ContainsFunc(other.prefixes, func(m string) bool { return strings.HasPrefix(i.Msg, m) }) {
					continue
				}
				path := i.Path
				if path == "" {
					path = "spec"
				}
				if i.Warning {
					p.ReportSeverityf(rules.Warning, o, path, "%s: Istio's validation (as of %s) warns: %s", o.Ref(), istiovalid.AsOf, i.Msg)
					continue
				}
				sev := rules.Error
				if olderIstio(p) {
					sev = rules.Warning // the cluster's istiod may lack the check
				}
				p.ReportSeverityf(sev, o, path, "%s: %s: %s; %s", o.Ref(), rejects(p), i.Msg, consequence(p, o))
			}
		}
	}
}

// rejects says whose validation rejects the object: Istio's as of the
// release istiovalid follows, and not the cluster's own when the facts say
// it runs an older istiod, which may lack the check.
func rejects(p *rules.Pass) string {
	if olderIstio(p) {
		return fmt.Sprintf("newer Istio's validation (as of %s) rejects it, and istiod %s may too (checks are added "+
			"between releases)", istiovalid.AsOf, p.Facts.IstioVersion)
	}
	return fmt.Sprintf("Istio's validating webhook (as of %s) rejects it", istiovalid.AsOf)
}

// olderIstio says whether the facts name an istiod older than the release
// istiovalid follows; an unknown version counts as that release.
func olderIstio(p *rules.Pass) bool {
	v := p.Facts.IstioVersion
	return v.Known() && v.AtLeast(istiovalid.AsOfMajor, istiovalid.AsOfMinor) == mesh.No
}

// consequence says what a rejection does to the object: one in a file
// fails to apply; one read from a cluster is stored already. Under an
// older istiod either is certain only after an upgrade.
func consequence(p *rules.Pass, o *manifest.Object) string {
	older := olderIstio(p)
	switch {
	case o.IsLive() && older:
		return "it is stored, so it got in while validation was off or under another Istio version; re-applying it " +
			"may fail, and will after an upgrade"
	case o.IsLive():
		return "it is stored, so it got in while validation was off or under another Istio version; re-applying it fails"
	case older:
		return "kubectl apply may fail, and will after an upgrade, leaving the object unstored"
	}
	return "kubectl apply fails and the object is never stored"
}

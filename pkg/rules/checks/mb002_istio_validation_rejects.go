package checks

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/meshbatch/meshbatch/pkg/istiovalid"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// IstioValidationRejects reports what istiod's validating webhook says of
// the Istio objects meshbatch reads.
var IstioValidationRejects = &rules.Rule{
	ID:       "MB002",
	Slug:     "istio-validation-rejects",
	Severity: rules.Error,
	Summary:  "Istio's validating webhook rejects the object, or accepts it with a warning",
	Rationale: "istiod registers a validating webhook for its configuration kinds. Before an object is stored it runs the " +
		"kind's validation (istio/istio pkg/config/validation): a ServiceEntry with resolution DNS, no endpoints and a " +
		"host that is not a fully qualified name (*.example.com), a Sidecar with nothing in it, an egress host without " +
		"its namespace/ part, a DestinationRule with an empty trafficPolicy, a DENY AuthorizationPolicy without rules, a " +
		"port name that is not a DNS label. An error makes kubectl apply, Helm and Argo CD fail on the whole object, so " +
		"the policy or entry the Job counts on never exists; a warning is printed and the object is stored. The CRD " +
		"schema does not catch these, so a dry run against a cluster without istiod passes. istioctl analyze reports " +
		"them as IST0106. meshbatch reports every error and warning Istio's validation returns, at the field; an " +
		"e2e test holds its checks to Istio's own functions (e2e/istiovalid). What MB503 (portLevelMtls), MB509 " +
		"(serviceAccounts) and MB611 (MUTUAL without a client certificate) report is left to them.",
	Remediation: "Fix the field the finding points at as its message says; the message is Istio's reason.",
	Kinds:       istiovalid.Kinds,
	Reads:       rules.Reads{Loop: istiovalid.Kinds},
	Sources: []string{
		"istio/istio pkg/config/validation/validation.go (ValidateServiceEntry, ValidateSidecar, ValidateDestinationRule, " +
			"ValidateAuthorizationPolicy, ValidatePeerAuthentication, validateMetadata)",
		"istio/istio pkg/config/validation/agent/validation.go (ValidateTLS, ValidateLocalityLbSetting, host checks)",
		"istio/istio pkg/webhooks/validation/server/server.go (the webhook denies on an error, passes warnings on)",
		"istioctl analyze IST0106 SchemaValidationError",
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
// rules report at the same field, with their own explanation, by kind.
var reportedElsewhere = map[string][]string{
	"PeerAuthentication": { // MB503
		"mesh/namespace peer authentication cannot have port level mTLS", "port must be in range 1..65535",
	},
	"AuthorizationPolicy": { // MB509
		"cannot set serviceAccounts with namespaces or principals", "may not have more than 16 values",
		"wildcard not allowed, found in", "expected format 'serviceAccount' or 'namespace/serviceAccount'",
	},
	"DestinationRule": { // MB611
		"client certificate required for mutual tls", "private key required for mutual tls",
	},
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
			for _, i := range is {
				if slices.ContainsFunc(reportedElsewhere[kind], func(m string) bool { return strings.HasPrefix(i.Msg, m) }) {
					continue
				}
				path := i.Path
				if path == "" {
					path = "spec"
				}
				if i.Warning {
					p.ReportSeverityf(rules.Warning, o, path, "%s: Istio's validation warns: %s", o.Ref(), i.Msg)
					continue
				}
				p.Reportf(o, path, "%s: Istio's validating webhook rejects it: %s; kubectl apply fails and the object is never stored", o.Ref(), i.Msg)
			}
		}
	}
}

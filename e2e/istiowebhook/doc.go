// Package istiowebhook runs istiod's validating admission webhook in-process on
// every generated Istio object. It catches the semantic errors the API server
// cannot see because they are not expressible in the CRD schemas (e.g. an
// AuthorizationPolicy DENY with a provider, an empty notPrincipals list).
//
// The webhook is Istio's own handler (istio.io/istio/pkg/webhooks/validation/server)
// with the schemas istiod registers (collections.PilotGatewayAPI), fed
// AdmissionReview requests over an in-memory HTTP round trip, so it runs the
// exact decode, conversion, ValidateConfig and top-level field checks
// istiod applies, with no cluster.
package istiowebhook

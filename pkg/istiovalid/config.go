package istiovalid

import (
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"
	security "istio.io/api/security/v1beta1"
)

// Meta is what validation reads of an object's metadata.
type Meta struct {
	Namespace, Name     string
	Labels, Annotations map[string]string
}

// Kinds are the kinds Config validates.
var Kinds = []string{"PeerAuthentication", "AuthorizationPolicy", "DestinationRule", "ServiceEntry", "Sidecar"}

// Config is what istiod's validating webhook (as of AsOf) says of an
// object of one of Kinds with the given spec (the metadata checks first:
// when they fail, Istio looks no further). ok is false for a kind or spec
// type it does not know. autoAllocate is PILOT_ENABLE_IP_AUTOALLOCATE.
func Config(m Meta, spec proto.Message, autoAllocate bool) (is Issues, ok bool) {
	return ConfigAt(Latest, m, spec, autoAllocate)
}

// ConfigAt is Config as release r's API server and webhook see the
// object: fields r's CRD lacks are dropped first (with a warning each),
// and the checks are r's.
func ConfigAt(r Release, m Meta, spec proto.Message, autoAllocate bool) (is Issues, ok bool) {
	switch spec.(type) {
	case *security.PeerAuthentication, *security.AuthorizationPolicy, *networking.DestinationRule,
		*networking.ServiceEntry, *networking.Sidecar:
	default:
		return nil, false
	}
	spec, dropped, refused := Prune(r, spec)
	if refused {
		return dropped, true
	}
	is = append(is, dropped...)
	ap, isAuthz := spec.(*security.AuthorizationPolicy)
	if mis := Metadata(r, m.Namespace, m.Name, m.Annotations, ap, isAuthz); len(mis) > 0 {
		return append(is, mis...), true
	}
	switch s := spec.(type) {
	case *security.PeerAuthentication:
		is = append(is, PeerAuthentication(r, s)...)
	case *security.AuthorizationPolicy:
		is = append(is, AuthorizationPolicy(r, s)...)
	case *networking.DestinationRule:
		is = append(is, DestinationRule(r, m.Namespace, s)...)
	case *networking.ServiceEntry:
		is = append(is, ServiceEntry(r, m.Namespace, m.Labels, s, autoAllocate)...)
	case *networking.Sidecar:
		is = append(is, Sidecar(r, m.Namespace, s)...)
	}
	return is, true
}

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

// Config is what istiod's validating webhook says of an object of one of
// Kinds with the given spec (the metadata checks first: when they fail,
// Istio looks no further). ok is false for a kind or spec type it does
// not know. autoAllocate is PILOT_ENABLE_IP_AUTOALLOCATE.
func Config(m Meta, spec proto.Message, autoAllocate bool) (is Issues, ok bool) {
	ap, isAuthz := spec.(*security.AuthorizationPolicy)
	if is := Metadata(m.Namespace, m.Name, m.Annotations, ap, isAuthz); len(is) > 0 {
		return is, true
	}
	switch s := spec.(type) {
	case *security.PeerAuthentication:
		return PeerAuthentication(s), true
	case *security.AuthorizationPolicy:
		return AuthorizationPolicy(s), true
	case *networking.DestinationRule:
		return DestinationRule(m.Namespace, s), true
	case *networking.ServiceEntry:
		return ServiceEntry(m.Namespace, m.Labels, s, autoAllocate), true
	case *networking.Sidecar:
		return Sidecar(m.Namespace, s), true
	}
	return nil, false
}

package rules

import (
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	networking "istio.io/api/networking/v1alpha3"
	securityv1beta1 "istio.io/api/security/v1beta1"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Summarize records in o.Summary what rules read of o once it is
// released: for an AuthorizationPolicy, its policySummary; for the
// istio-ca-root-cert ConfigMap, its RootCert; for a kind
// whose spec is all rules read, a copy of the spec (see Spec). It does
// nothing for objects that are not decoded or need no summary.
func Summarize(o *manifest.Object) {
	if o.Summary != nil {
		return
	}
	if ap, ok := o.Typed.(*securityv1.AuthorizationPolicy); ok {
		o.Summary = summarizePolicy(NamespaceOf(o), o.Annotations, &ap.Spec)
		return
	}
	if IsRootCert(o) {
		if rc := RootCertOf(o); rc != nil {
			o.Summary = rc // MB706 reads every copy's expiry, from every view
		}
		return
	}
	switch spec := Spec(o).(type) {
	case *corev1.ServiceSpec:
		kept := *spec
		o.Summary = &kept
	case *securityv1beta1.PeerAuthentication:
		kept := shallowCopy(spec)
		// reflection does not see a map that is set but empty, and
		// Istio's validation rejects `portLevelMtls: {}` (MB002)
		kept.PortLevelMtls = spec.PortLevelMtls
		o.Summary = kept
	case proto.Message:
		o.Summary = shallowCopy(spec)
	}
}

// Spec returns the spec of an object of a kind rules read by its spec
// alone (Service, PeerAuthentication, DestinationRule, ServiceEntry,
// Sidecar), from the decoded object or, once that is released, from its
// Summary; nil for any other object.
func Spec(o *manifest.Object) any {
	switch t := o.Typed.(type) {
	case nil:
		switch s := o.Summary.(type) {
		case *corev1.ServiceSpec, *securityv1beta1.PeerAuthentication, *networking.DestinationRule,
			*networking.ServiceEntry, *networking.Sidecar:
			return s
		}
	case *corev1.Service:
		return &t.Spec
	case *securityv1.PeerAuthentication:
		return &t.Spec
	case *networkingv1.DestinationRule:
		return &t.Spec
	case *networkingv1.ServiceEntry:
		return &t.Spec
	case *networkingv1.Sidecar:
		return &t.Spec
	}
	return nil
}

// shallowCopy copies a message's fields, sharing their values: the spec
// inside a decoded object cannot be kept alone, a pointer to it keeps
// the whole object.
func shallowCopy[M proto.Message](m M) M {
	src := m.ProtoReflect()
	dst := src.New()
	src.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		dst.Set(fd, v)
		return true
	})
	dst.SetUnknown(src.GetUnknown())
	return dst.Interface().(M)
}

// ServiceSpec returns the spec of a Service; it panics on another kind.
func ServiceSpec(o *manifest.Object) *corev1.ServiceSpec {
	return Spec(o).(*corev1.ServiceSpec)
}

// PeerAuthentication returns the spec of a PeerAuthentication.
func PeerAuthentication(o *manifest.Object) *securityv1beta1.PeerAuthentication {
	return Spec(o).(*securityv1beta1.PeerAuthentication)
}

// DestinationRule returns the spec of a DestinationRule.
func DestinationRule(o *manifest.Object) *networking.DestinationRule {
	return Spec(o).(*networking.DestinationRule)
}

// ServiceEntry returns the spec of a ServiceEntry.
func ServiceEntry(o *manifest.Object) *networking.ServiceEntry {
	return Spec(o).(*networking.ServiceEntry)
}

// Sidecar returns the spec of a Sidecar.
func Sidecar(o *manifest.Object) *networking.Sidecar {
	return Spec(o).(*networking.Sidecar)
}

// PolicySummary is what the identity lookups (PoliciesNaming,
// PoliciesForJob) and the rules that call them read of an
// AuthorizationPolicy.
type PolicySummary struct {
	job      string    // its meshbatch.dev/job annotation
	Allow    bool      // action ALLOW
	ByRef    bool      // it targets by targetRef(s), not by selector
	Selector PodLabels // selector.matchLabels, packed: many policies' maps cost much
	Port     uint32    // the one port its rules admit (singlePort), or 0
	// The identities its ALLOW rules name exactly: principals without
	// wildcards, and serviceAccounts entries as "ns/sa".
	principals      []Principal
	serviceAccounts []string
}

func summarizePolicy(ns string, annotations map[string]string, spec *securityv1beta1.AuthorizationPolicy) *PolicySummary {
	s := &PolicySummary{
		job:      annotations[mesh.AnnotJob],
		Allow:    spec.GetAction() == securityv1beta1.AuthorizationPolicy_ALLOW,
		ByRef:    TargetsByRef(spec),
		Selector: packLabels(spec.GetSelector().GetMatchLabels()),
		Port:     singlePort(spec),
	}
	if !s.Allow {
		return s
	}
	for _, r := range spec.GetRules() {
		for _, from := range r.GetFrom() {
			src := from.GetSource()
			for _, p := range src.GetPrincipals() {
				if pr, ok := ParsePrincipal(p); ok && !strings.Contains(p, "*") {
					s.principals = append(s.principals, pr)
				}
			}
			for _, e := range src.GetServiceAccounts() {
				if !strings.Contains(e, "/") {
					e = ns + "/" + e
				}
				s.serviceAccounts = append(s.serviceAccounts, e)
			}
		}
	}
	return s
}

// PolicyOf returns the summary of an AuthorizationPolicy, kept or
// released, that the identity index holds (buildIdentities summarised
// every policy).
func PolicyOf(o *manifest.Object) *PolicySummary {
	s, ok := o.Summary.(*PolicySummary)
	if !ok {
		panic(o.Ref() + " has no summary: it was released before Summarize")
	}
	return s
}

// PodLabels are a pod template's labels as key, value pairs, in no order.
// The summary of every workload keeps them, packed: a third of the memory
// of the small map they come from.
type PodLabels []string

// packLabels packs m, keeping nil and empty apart as the map did.
func packLabels(m map[string]string) PodLabels {
	if m == nil {
		return nil
	}
	l := make(PodLabels, 0, 2*len(m))
	for k, v := range m {
		l = append(l, k, v)
	}
	return l
}

// Get returns the value of label k.
func (l PodLabels) Get(k string) (string, bool) {
	for i := 0; i < len(l); i += 2 {
		if l[i] == k {
			return l[i+1], true
		}
	}
	return "", false
}

// Matches reports whether the labels satisfy a matchLabels selector, as
// matchLabelsOn does for a map.
func (l PodLabels) Matches(sel map[string]string) bool {
	for k, v := range sel {
		if got, _ := l.Get(k); got != v {
			return false
		}
	}
	return true
}

// ToMap unpacks the labels, for the few readers that need a map.
func (l PodLabels) ToMap() map[string]string {
	if l == nil {
		return nil
	}
	m := make(map[string]string, len(l)/2)
	for i := 0; i < len(l); i += 2 {
		m[l[i]] = l[i+1]
	}
	return m
}

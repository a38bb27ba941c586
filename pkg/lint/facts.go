package lint

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// RawFacts are cluster facts as a user types them in flags or config.
type RawFacts struct {
	IstioVersion       string   `json:"istioVersion,omitempty"`
	KubernetesVersion  string   `json:"kubernetesVersion,omitempty"`
	NativeSidecars     string   `json:"nativeSidecars,omitempty"`
	OutboundPolicy     string   `json:"outboundPolicy,omitempty"`
	RootNamespace      string   `json:"rootNamespace,omitempty"`
	TrustDomain        string   `json:"trustDomain,omitempty"`
	TrustDomainAliases []string `json:"trustDomainAliases,omitempty"`
	MaxCertTTL         string   `json:"maxCertTTL,omitempty"`
	HoldApplication    string   `json:"holdApplicationUntilProxyStarts,omitempty"`
}

// Parse validates the facts. Errors name the setting, in its flag
// spelling, and what to write instead.
func (r RawFacts) Parse() (rules.Facts, error) {
	var f rules.Facts
	var err error
	if f.IstioVersion, err = rules.ParseVersion(r.IstioVersion); err != nil {
		return f, fmt.Errorf("--istio-version: %v", err)
	}
	if f.KubernetesVersion, err = rules.ParseVersion(r.KubernetesVersion); err != nil {
		return f, fmt.Errorf("--kubernetes-version: %v", err)
	}
	switch v := strings.ToLower(r.NativeSidecars); v {
	case "", "true", "false", "auto":
		f.NativeSidecars = v
	default:
		return f, fmt.Errorf("--native-sidecars: %q is not one of true, false, auto", r.NativeSidecars)
	}
	switch v := strings.ToUpper(r.OutboundPolicy); v {
	case "", "ALLOW_ANY", "REGISTRY_ONLY":
		f.OutboundPolicy = v
	default:
		return f, fmt.Errorf("--outbound-policy: %q is not one of ALLOW_ANY, REGISTRY_ONLY", r.OutboundPolicy)
	}
	switch v := strings.ToLower(r.HoldApplication); v {
	case "", "true", "false":
		f.HoldApplication = v
	default:
		return f, fmt.Errorf("--hold-application: %q is not one of true, false", r.HoldApplication)
	}
	f.RootNamespace = r.RootNamespace
	f.TrustDomain = r.TrustDomain
	f.TrustAliases = r.TrustDomainAliases
	if r.MaxCertTTL != "" {
		if f.MaxCertTTL, err = rules.ParseDuration(r.MaxCertTTL); err != nil {
			return f, fmt.Errorf("--max-cert-ttl: %v", err)
		}
	}
	return f, nil
}

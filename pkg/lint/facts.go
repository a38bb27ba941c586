package lint

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// RawFacts are cluster facts as a user types them in flags, environment
// variables or the config file's facts section.
//
// Each field carries its config key (json tag), its flag name (flag tag)
// and its flag help (usage tag): the CLI registers one flag per field and
// binds it to the config key and to MESHBATCH_<FLAG> from these tags, so a
// new fact is one new field here plus its parsing in Parse.
type RawFacts struct {
	IstioVersion       string   `json:"istioVersion,omitempty" flag:"istio-version" usage:"Istio version of the cluster (e.g. 1.28)"`
	KubernetesVersion  string   `json:"kubernetesVersion,omitempty" flag:"kubernetes-version" usage:"Kubernetes version of the cluster (e.g. 1.31)"`
	NativeSidecars     string   `json:"nativeSidecars,omitempty" flag:"native-sidecars" usage:"istiod ENABLE_NATIVE_SIDECARS: true, false or auto"`
	OutboundPolicy     string   `json:"outboundPolicy,omitempty" flag:"outbound-policy" usage:"mesh outboundTrafficPolicy: ALLOW_ANY or REGISTRY_ONLY"`
	RootNamespace      string   `json:"rootNamespace,omitempty" flag:"root-namespace" usage:"mesh root namespace (default istio-system)"`
	TrustDomain        string   `json:"trustDomain,omitempty" flag:"trust-domain" usage:"mesh trust domain (default cluster.local)"`
	TrustDomainAliases []string `json:"trustDomainAliases,omitempty" flag:"trust-domain-alias" usage:"mesh trust domain alias (repeatable)"`
	MaxCertTTL         string   `json:"maxCertTTL,omitempty" flag:"max-cert-ttl" usage:"istiod MAX_WORKLOAD_CERT_TTL (default 90d)"`
	HoldApplication    string   `json:"holdApplicationUntilProxyStarts,omitempty" flag:"hold-application" usage:"mesh-wide holdApplicationUntilProxyStarts: true or false"`
	DNSAutoAllocate    string   `json:"dnsAutoAllocate,omitempty" flag:"dns-auto-allocate" usage:"sidecars capture DNS and get ServiceEntry addresses allocated mesh-wide: true or false"`
}

// FactField describes one field of RawFacts for flag and config binding.
type FactField struct {
	Key   string // config key under facts:, e.g. "istioVersion"
	Flag  string // flag name, e.g. "istio-version"
	Usage string
	List  bool // a list of strings (repeatable flag, comma-separated env)
	index int
}

// FactFields lists the fields of RawFacts in declaration order.
func FactFields() []FactField {
	t := reflect.TypeFor[RawFacts]()
	out := make([]FactField, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, FactField{
			Key: key, Flag: f.Tag.Get("flag"), Usage: f.Tag.Get("usage"),
			List: f.Type.Kind() == reflect.Slice, index: i,
		})
	}
	return out
}

// Set stores a value into the field; lists take every value, strings the
// last one.
func (ff FactField) Set(r *RawFacts, values []string) {
	v := reflect.ValueOf(r).Elem().Field(ff.index)
	if ff.List {
		v.Set(reflect.ValueOf(append([]string(nil), values...)))
		return
	}
	if len(values) > 0 {
		v.SetString(values[len(values)-1])
	}
}

// Get returns the field's value: the list, or the string as a one-item
// list (none when empty).
func (ff FactField) Get(r RawFacts) []string {
	v := reflect.ValueOf(r).Field(ff.index)
	if ff.List {
		return append([]string(nil), v.Interface().([]string)...)
	}
	if s := v.String(); s != "" {
		return []string{s}
	}
	return nil
}

// FactError is an invalid fact value. Its message names the flag, which
// callers that know the value came from elsewhere replace (see Key).
type FactError struct {
	Key  string // config key, e.g. "istioVersion"
	Flag string // flag name, e.g. "istio-version"
	Msg  string // what is wrong and what to write instead
}

func (e *FactError) Error() string { return "--" + e.Flag + ": " + e.Msg }

// Parse validates the facts. Errors are *FactError and name the setting in
// its flag spelling, and what to write instead.
func (r RawFacts) Parse() (mesh.Facts, error) {
	var f mesh.Facts
	var err error
	fail := func(key, flag, format string, args ...any) (mesh.Facts, error) {
		return f, &FactError{Key: key, Flag: flag, Msg: fmt.Sprintf(format, args...)}
	}
	if f.IstioVersion, err = mesh.ParseVersion(r.IstioVersion); err != nil {
		return fail("istioVersion", "istio-version", "%v", err)
	}
	if f.KubernetesVersion, err = mesh.ParseVersion(r.KubernetesVersion); err != nil {
		return fail("kubernetesVersion", "kubernetes-version", "%v", err)
	}
	switch v := strings.ToLower(r.NativeSidecars); v {
	case "", "true", "false", "auto":
		f.NativeSidecars = v
	default:
		return fail("nativeSidecars", "native-sidecars", "%q is not one of true, false, auto", r.NativeSidecars)
	}
	switch v := strings.ToUpper(r.OutboundPolicy); v {
	case "", "ALLOW_ANY", "REGISTRY_ONLY":
		f.OutboundPolicy = v
	default:
		return fail("outboundPolicy", "outbound-policy", "%q is not one of ALLOW_ANY, REGISTRY_ONLY", r.OutboundPolicy)
	}
	switch v := strings.ToLower(r.HoldApplication); v {
	case "", "true", "false":
		f.HoldApplication = v
	default:
		return fail("holdApplicationUntilProxyStarts", "hold-application", "%q is not one of true, false", r.HoldApplication)
	}
	switch v := strings.ToLower(r.DNSAutoAllocate); v {
	case "", "true", "false":
		f.DNSAutoAllocate = v
	default:
		return fail("dnsAutoAllocate", "dns-auto-allocate", "%q is not one of true, false", r.DNSAutoAllocate)
	}
	f.RootNamespace = r.RootNamespace
	f.TrustDomain = r.TrustDomain
	f.TrustAliases = r.TrustDomainAliases
	if r.MaxCertTTL != "" {
		if f.MaxCertTTL, err = mesh.ParseDuration(r.MaxCertTTL); err != nil {
			return fail("maxCertTTL", "max-cert-ttl", "%v", err)
		}
	}
	return f, nil
}

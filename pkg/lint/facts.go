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
// Each field carries its config key (json tag), which FactFields lists:
// the CLI binds a flag and a MESHBATCH_* variable to each key, so a new
// fact is one new field here, its parsing in Parse and its flag in
// cmd/meshbatch.
type RawFacts struct {
	IstioVersion       string   `json:"istioVersion,omitempty"`
	KubernetesVersion  string   `json:"kubernetesVersion,omitempty"`
	KubeletVersion     string   `json:"kubeletVersion,omitempty"`
	NativeSidecars     string   `json:"nativeSidecars,omitempty"`
	OutboundPolicy     string   `json:"outboundPolicy,omitempty"`
	RootNamespace      string   `json:"rootNamespace,omitempty"`
	TrustDomain        string   `json:"trustDomain,omitempty"`
	TrustDomainAliases []string `json:"trustDomainAliases,omitempty"`
	MaxCertTTL         string   `json:"maxCertTTL,omitempty"`
	HoldApplication    string   `json:"holdApplicationUntilProxyStarts,omitempty"`
	DNSAutoAllocate    string   `json:"dnsAutoAllocate,omitempty"`
}

// FactField describes one field of RawFacts, for binding by its key.
type FactField struct {
	Key   string // config key under facts:, e.g. "istioVersion"
	List  bool   // a list of strings (a repeatable flag, a comma-separated variable)
	index int
}

// FactFields lists the fields of RawFacts in declaration order.
func FactFields() []FactField {
	t := reflect.TypeFor[RawFacts]()
	out := make([]FactField, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, FactField{Key: key, List: f.Type.Kind() == reflect.Slice, index: i})
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

// FactError is an invalid fact value. Callers name where the value came
// from (a flag, a variable, a line of the config file) with Key.
type FactError struct {
	Key string // config key, e.g. "istioVersion"
	Msg string // what is wrong and what to write instead
}

func (e *FactError) Error() string { return e.Key + ": " + e.Msg }

// Parse validates the facts. Errors are *FactError and say what to write
// instead.
func (r RawFacts) Parse() (mesh.Facts, error) {
	var f mesh.Facts
	var err error
	fail := func(key, format string, args ...any) (mesh.Facts, error) {
		return f, &FactError{Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if f.IstioVersion, err = mesh.ParseVersion(r.IstioVersion); err != nil {
		return fail("istioVersion", "%v", err)
	}
	// No verdict depends on a Kubernetes patch: the minors stay minor-only,
	// as they print in messages.
	if f.KubernetesVersion, err = mesh.ParseVersion(r.KubernetesVersion); err != nil {
		return fail("kubernetesVersion", "%v", err)
	}
	f.KubernetesVersion = f.KubernetesVersion.MinorOnly()
	if f.KubeletVersion, err = mesh.ParseVersion(r.KubeletVersion); err != nil {
		return fail("kubeletVersion", "%v", err)
	}
	f.KubeletVersion = f.KubeletVersion.MinorOnly()
	switch v := strings.ToLower(r.NativeSidecars); v {
	case "", "true", "false", "auto":
		f.NativeSidecars = v
	default:
		return fail("nativeSidecars", "%q is not one of true, false, auto", r.NativeSidecars)
	}
	switch v := strings.ToUpper(r.OutboundPolicy); v {
	case "", "ALLOW_ANY", "REGISTRY_ONLY":
		f.OutboundPolicy = v
	default:
		return fail("outboundPolicy", "%q is not one of ALLOW_ANY, REGISTRY_ONLY", r.OutboundPolicy)
	}
	switch v := strings.ToLower(r.HoldApplication); v {
	case "", "true", "false":
		f.HoldApplication = v
	default:
		return fail("holdApplicationUntilProxyStarts", "%q is not one of true, false", r.HoldApplication)
	}
	switch v := strings.ToLower(r.DNSAutoAllocate); v {
	case "", "true", "false":
		f.DNSAutoAllocate = v
	default:
		return fail("dnsAutoAllocate", "%q is not one of true, false", r.DNSAutoAllocate)
	}
	f.RootNamespace = r.RootNamespace
	f.TrustDomain = r.TrustDomain
	f.TrustAliases = r.TrustDomainAliases
	if r.MaxCertTTL != "" {
		if f.MaxCertTTL, err = mesh.ParseDuration(r.MaxCertTTL); err != nil {
			return fail("maxCertTTL", "%v", err)
		}
	}
	return f, nil
}

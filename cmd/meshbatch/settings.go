package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// envPrefix starts every environment variable meshbatch reads: a flag
// --fail-on is MESHBATCH_FAIL_ON.
const envPrefix = "MESHBATCH_"

// factFlags are the flags of the cluster facts, by the fact's key under
// facts: in the config file (lint.RawFacts). Every fact has one
// (TestEveryFactHasAFlag).
var factFlags = map[string]struct{ flag, usage string }{
	"istioVersion":                    {"istio-version", "Istio version of the cluster, with the patch when known (e.g. 1.28.5, or 1.28): some checks differ between patches"},
	"kubernetesVersion":               {"kubernetes-version", "Kubernetes version of the cluster (e.g. 1.31)"},
	"kubeletVersion":                  {"kubelet-version", "version of the oldest kubelet that may run the pods (e.g. 1.30)"},
	"nativeSidecars":                  {"native-sidecars", "istiod ENABLE_NATIVE_SIDECARS: true, false or auto"},
	"outboundPolicy":                  {"outbound-policy", "mesh outboundTrafficPolicy: ALLOW_ANY or REGISTRY_ONLY"},
	"rootNamespace":                   {"root-namespace", "mesh root namespace (default istio-system)"},
	"trustDomain":                     {"trust-domain", "mesh trust domain (default cluster.local)"},
	"trustDomainAliases":              {"trust-domain-alias", "mesh trust domain alias (repeatable)"},
	"maxCertTTL":                      {"max-cert-ttl", "istiod MAX_WORKLOAD_CERT_TTL (default 90d)"},
	"holdApplicationUntilProxyStarts": {"hold-application", "mesh-wide holdApplicationUntilProxyStarts: true or false"},
	"dnsAutoAllocate":                 {"dns-auto-allocate", "sidecars capture DNS and get ServiceEntry addresses allocated mesh-wide: true or false"},
}

// addFactFlags registers one flag per cluster fact, in the order of
// lint.RawFacts.
func addFactFlags(f *pflag.FlagSet) {
	for _, ff := range lint.FactFields() {
		fl := factFlags[ff.Key]
		if ff.List {
			f.StringSlice(fl.flag, nil, fl.usage)
		} else {
			f.String(fl.flag, "", fl.usage)
		}
	}
}

// A setting is one value that a flag, an environment variable and the
// config file can all set; the flag wins over the variable, which wins
// over the file, which wins over the flag's default.
type setting struct {
	key  string // config field path: "failOn", "facts.istioVersion"
	flag string // flag name: "fail-on"
	list bool   // repeatable flag; the variable is comma-separated
}

// env is the setting's environment variable.
func (s setting) env() string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(s.flag, "-", "_"))
}

// settings lists every setting, in the order they are documented.
func settings() []setting {
	out := []setting{
		{key: "format", flag: "format", list: true},
		{key: "failOn", flag: "fail-on"},
		{key: "minSeverity", flag: "min-severity"},
		{key: "baseline", flag: "baseline"},
	}
	for _, f := range lint.FactFields() {
		out = append(out, setting{key: "facts." + f.Key, flag: factFlags[f.Key].flag, list: f.List})
	}
	return out
}

// resolved are the settings after precedence.
type resolved struct {
	facts       mesh.Facts
	formats     []string // one or more output formats (flag), else the config's or the variable's one
	failOn      rules.Severity
	minSeverity rules.Severity
	baseline    string // the baseline file, "" for none
	// notices are the facts given that override detected ones, for
	// stderr.
	notices []string
}

// resolveSettings applies precedence (flags over MESHBATCH_* variables
// over the config file over defaults) with viper, with every flag of
// settings bound to its key in this one function, and validates the
// values. Errors name where the bad value came from: "--fail-on",
// "MESHBATCH_FAIL_ON" or ".meshbatch.yaml:7:9: failOn". cfg may be nil (no
// config file).
func resolveSettings(cfg *config.Config, flags *pflag.FlagSet) (resolved, error) {
	return resolveSettingsWith(cfg, flags, nil)
}

// resolveSettingsWith is resolveSettings with the cluster's facts (lint
// --cluster) in the place of a facts file; nil reads the facts file.
func resolveSettingsWith(cfg *config.Config, flags *pflag.FlagSet, clusterFacts *config.FactsFile) (resolved, error) {
	if cfg == nil {
		cfg = &config.Config{}
	}
	v := viper.New()
	cfgMap := map[string]any{}
	facts := map[string]any{}
	set := func(m map[string]any, k string, val any) {
		if s, ok := val.(string); ok && s == "" {
			return
		}
		if l, ok := val.([]string); ok && len(l) == 0 {
			return
		}
		m[k] = val
	}
	set(cfgMap, "format", cfg.Format)
	set(cfgMap, "failOn", cfg.FailOn)
	set(cfgMap, "minSeverity", cfg.MinSeverity)
	set(cfgMap, "baseline", cfg.BaselineFile())
	for _, f := range lint.FactFields() {
		if f.List {
			set(facts, f.Key, f.Get(cfg.Facts))
		} else if l := f.Get(cfg.Facts); len(l) > 0 {
			set(facts, f.Key, l[0])
		}
	}
	if len(facts) > 0 {
		cfgMap["facts"] = facts
	}
	if err := v.MergeConfigMap(cfgMap); err != nil {
		return resolved{}, err
	}
	all := settings()
	for _, s := range all {
		if err := v.BindEnv(s.key, s.env()); err != nil {
			return resolved{}, err
		}
		if fl := flags.Lookup(s.flag); fl != nil {
			if err := v.BindPFlag(s.key, fl); err != nil {
				return resolved{}, err
			}
		}
	}
	source := func(s setting) string {
		if fl := flags.Lookup(s.flag); fl != nil && fl.Changed {
			return "--" + s.flag
		}
		if _, ok := os.LookupEnv(s.env()); ok {
			return s.env()
		}
		if cfg.Has(s.key) {
			return cfg.Where(s.key) + ": " + s.key
		}
		return "--" + s.flag + " (default)"
	}
	byKey := map[string]setting{}
	for _, s := range all {
		byKey[s.key] = s
	}

	var r resolved
	var err error
	fs := byKey["failOn"]
	if r.failOn, err = config.ParseThreshold(cmpOr(v.GetString(fs.key), "error"), true); err != nil {
		return r, fmt.Errorf("%s: %v", source(fs), err)
	}
	ms := byKey["minSeverity"]
	if r.minSeverity, err = config.ParseThreshold(cmpOr(v.GetString(ms.key), "info"), false); err != nil {
		return r, fmt.Errorf("%s: %v", source(ms), err)
	}
	r.formats = getList(v, byKey["format"])
	r.baseline = v.GetString(byKey["baseline"].key)
	var raw lint.RawFacts
	for _, f := range lint.FactFields() {
		s := byKey["facts."+f.Key]
		if f.List {
			f.Set(&raw, getList(v, s))
		} else {
			f.Set(&raw, []string{v.GetString(s.key)})
		}
	}
	ff := clusterFacts
	if ff == nil {
		if ff, err = loadFactsFile(cfg, flags); err != nil {
			return r, err
		}
	}
	if ff == nil {
		r.facts, err = raw.Parse()
	} else {
		userSet := func(key string) bool {
			return source(byKey["facts."+key]) != "--"+byKey["facts."+key].flag+" (default)"
		}
		r.facts, err = ff.Mesh(raw, userSet)
		for _, o := range ff.Overrides(raw, userSet) {
			detected := ff.File
			if o.Revision != "" {
				detected += ", revision " + o.Revision
			}
			r.notices = append(r.notices, fmt.Sprintf("fact %s: %q from %s wins over %q from %s; drop it to use the detected value",
				o.Key, o.Given, source(byKey["facts."+o.Key]), o.Detected, detected))
		}
	}
	if err != nil {
		var fe *lint.FactError
		if errors.As(err, &fe) {
			s := byKey["facts."+fe.Key]
			if src := source(s); !strings.HasPrefix(src, "--") {
				return r, fmt.Errorf("%s: %s", src, fe.Msg)
			}
			return r, fmt.Errorf("--%s: %s", s.flag, fe.Msg)
		}
		return r, err
	}
	return r, nil
}

func cmpOr(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

// getList reads a list setting: a repeatable flag's values, or a
// comma-separated variable, or the config's list.
func getList(v *viper.Viper, s setting) []string {
	var out []string
	switch val := v.Get(s.key).(type) {
	case string:
		for _, p := range strings.Split(val, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	case []string:
		out = val
	case []any:
		for _, x := range val {
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

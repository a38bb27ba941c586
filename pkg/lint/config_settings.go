package lint

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// EnvPrefix starts every environment variable meshbatch reads: a flag
// --fail-on is MESHBATCH_FAIL_ON.
const EnvPrefix = "MESHBATCH_"

// Setting is one value that a flag, an environment variable and the
// config file can all set; the flag wins over the variable, which wins
// over the file, which wins over the flag's default.
type Setting struct {
	Key  string // config field path: "failOn", "facts.istioVersion"
	Flag string // flag name: "fail-on"
	List bool   // repeatable flag; the variable is comma-separated
}

// Env is the setting's environment variable.
func (s Setting) Env() string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(s.Flag, "-", "_"))
}

// Settings lists every setting, in the order they are documented.
func Settings() []Setting {
	out := []Setting{
		{Key: "format", Flag: "format", List: true},
		{Key: "failOn", Flag: "fail-on"},
		{Key: "minSeverity", Flag: "min-severity"},
	}
	for _, f := range FactFields() {
		out = append(out, Setting{Key: "facts." + f.Key, Flag: f.Flag, List: f.List})
	}
	return out
}

// Resolved are the settings after precedence.
type Resolved struct {
	Facts       mesh.Facts
	Formats     []string // one or more output formats (flag), else the config's or the variable's one
	FailOn      rules.Severity
	MinSeverity rules.Severity
}

// Resolve applies precedence (flags over MESHBATCH_* variables over the
// config file over defaults) with viper, with every flag of Settings bound
// to its key in this one function, and validates the values. Errors name
// where the bad value came from: "--fail-on", "MESHBATCH_FAIL_ON" or
// ".meshbatch.yaml:7:9: failOn". cfg may be nil (no config file).
func Resolve(cfg *Config, flags *pflag.FlagSet) (Resolved, error) {
	if cfg == nil {
		cfg = &Config{}
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
	for _, f := range FactFields() {
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
		return Resolved{}, err
	}
	settings := Settings()
	for _, s := range settings {
		if err := v.BindEnv(s.Key, s.Env()); err != nil {
			return Resolved{}, err
		}
		if fl := flags.Lookup(s.Flag); fl != nil {
			if err := v.BindPFlag(s.Key, fl); err != nil {
				return Resolved{}, err
			}
		}
	}
	source := func(s Setting) string {
		if fl := flags.Lookup(s.Flag); fl != nil && fl.Changed {
			return "--" + s.Flag
		}
		if _, ok := os.LookupEnv(s.Env()); ok {
			return s.Env()
		}
		if cfg.Has(s.Key) {
			return cfg.Where(s.Key) + ": " + s.Key
		}
		return "--" + s.Flag + " (default)"
	}
	byKey := map[string]Setting{}
	for _, s := range settings {
		byKey[s.Key] = s
	}

	var r Resolved
	var err error
	fs := byKey["failOn"]
	if r.FailOn, err = ParseThreshold(cmpOr(v.GetString(fs.Key), "error"), true); err != nil {
		return r, fmt.Errorf("%s: %v", source(fs), err)
	}
	ms := byKey["minSeverity"]
	if r.MinSeverity, err = ParseThreshold(cmpOr(v.GetString(ms.Key), "info"), false); err != nil {
		return r, fmt.Errorf("%s: %v", source(ms), err)
	}
	fm := byKey["format"]
	r.Formats = getList(v, fm)
	var raw RawFacts
	for _, f := range FactFields() {
		s := byKey["facts."+f.Key]
		if f.List {
			f.Set(&raw, getList(v, s))
		} else {
			f.Set(&raw, []string{v.GetString(s.Key)})
		}
	}
	if r.Facts, err = raw.Parse(); err != nil {
		var fe *FactError
		if errors.As(err, &fe) {
			s := byKey["facts."+fe.Key]
			if src := source(s); !strings.HasPrefix(src, "--") {
				return r, fmt.Errorf("%s: %s", src, fe.Msg)
			}
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
func getList(v *viper.Viper, s Setting) []string {
	var out []string
	switch val := v.Get(s.Key).(type) {
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

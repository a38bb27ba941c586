package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestEveryFactHasAFlag: each field of lint.RawFacts has a flag, and the
// table names no other fact.
func TestEveryFactHasAFlag(t *testing.T) {
	var keys []string
	for _, f := range lint.FactFields() {
		keys = append(keys, f.Key)
		if fl := factFlags[f.Key]; fl.flag == "" || fl.usage == "" {
			t.Errorf("fact %s has no flag in factFlags", f.Key)
		}
	}
	for k := range factFlags {
		if !slices.Contains(keys, k) {
			t.Errorf("factFlags names %s, which is no field of lint.RawFacts", k)
		}
	}
}

// TestFactsFixesNeedHaveFlags: the facts a rule's fix may need
// (rules.NeedsFacts) are facts with a flag, which fix names.
func TestFactsFixesNeedHaveFlags(t *testing.T) {
	for _, k := range []string{rules.FactIstioVersion, rules.FactKubeletVersion, rules.FactTrustDomain} {
		if factFlags[k].flag == "" {
			t.Errorf("rules names the fact %q, which has no flag", k)
		}
	}
}

// TestResolveSettingsPrecedence: flag over MESHBATCH_* over the config file over
// the flag default, per setting.
func TestResolveSettingsPrecedence(t *testing.T) {
	c, err := config.Parse("cfg.yaml", "/", []byte("failOn: warning\nminSeverity: warning\nformat: json\nfacts:\n  istioVersion: \"1.20\"\n  kubernetesVersion: \"1.29\"\n  trustDomainAliases: [a, b]\n"))
	if err != nil {
		t.Fatal(err)
	}
	flags := func(args ...string) *pflag.FlagSet {
		fs := newLintCmd().Flags()
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return fs
	}

	// Defaults only.
	r, err := resolveSettings(nil, flags())
	if err != nil {
		t.Fatal(err)
	}
	if r.failOn != rules.Error || r.minSeverity != rules.Info || len(r.formats) != 0 || r.facts.IstioVersion.Known() {
		t.Errorf("defaults: %+v", r)
	}

	// Config over defaults.
	r, err = resolveSettings(c, flags())
	if err != nil {
		t.Fatal(err)
	}
	if r.failOn != rules.Warning || r.minSeverity != rules.Warning || r.facts.IstioVersion.String() != "1.20" ||
		!cmp.Equal(r.formats, []string{"json"}) || !cmp.Equal(r.facts.TrustAliases, []string{"a", "b"}) {
		t.Errorf("config: %+v", r)
	}

	// Environment over config.
	t.Setenv("MESHBATCH_FAIL_ON", "info")
	t.Setenv("MESHBATCH_ISTIO_VERSION", "1.24")
	t.Setenv("MESHBATCH_TRUST_DOMAIN_ALIAS", "x, y")
	t.Setenv("MESHBATCH_FORMAT", "sarif")
	r, err = resolveSettings(c, flags())
	if err != nil {
		t.Fatal(err)
	}
	if r.failOn != rules.Info || r.facts.IstioVersion.String() != "1.24" || r.facts.KubernetesVersion.String() != "1.29" ||
		!cmp.Equal(r.formats, []string{"sarif"}) || !cmp.Equal(r.facts.TrustAliases, []string{"x", "y"}) {
		t.Errorf("env: %+v", r)
	}

	// Flags over environment.
	r, err = resolveSettings(c, flags("--fail-on", "none", "--istio-version", "1.28", "--format", "text", "--format", "junit", "--trust-domain-alias", "z"))
	if err != nil {
		t.Fatal(err)
	}
	if r.failOn != 0 || r.facts.IstioVersion.String() != "1.28" || !cmp.Equal(r.formats, []string{"text", "junit"}) ||
		!cmp.Equal(r.facts.TrustAliases, []string{"z"}) {
		t.Errorf("flags: %+v", r)
	}
}

// TestResolveSettingsErrorsNameTheSource: a bad value is reported where it was set.
func TestResolveSettingsErrorsNameTheSource(t *testing.T) {
	c, err := config.Parse("cfg.yaml", "/", []byte("failOn: warning\n"))
	if err != nil {
		t.Fatal(err)
	}
	fs := newLintCmd().Flags()
	t.Setenv("MESHBATCH_ISTIO_VERSION", "latest")
	if _, err := resolveSettings(c, fs); err == nil || err.Error() != `MESHBATCH_ISTIO_VERSION: version "latest": want MAJOR.MINOR or MAJOR.MINOR.PATCH, like 1.28 or 1.28.3` {
		t.Errorf("env error = %v", err)
	}
	t.Setenv("MESHBATCH_ISTIO_VERSION", "") // set but empty: unknown, valid
	t.Setenv("MESHBATCH_FAIL_ON", "sometimes")
	if _, err := resolveSettings(c, fs); err == nil || err.Error() != `MESHBATCH_FAIL_ON: unknown severity "sometimes": use error, warning, info or none` {
		t.Errorf("env error = %v", err)
	}
	if err := fs.Parse([]string{"--istio-version", "x.y", "--fail-on", "error"}); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveSettings(c, fs); err == nil || !strings.HasPrefix(err.Error(), `--istio-version: version "x.y"`) {
		t.Errorf("flag error = %v", err)
	}
}

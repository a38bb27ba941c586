// Package config reads meshbatch's config file, .meshbatch.yaml: where it
// is found, its strict decoding with the position of every key, and the
// checks of its values. It names no flags: the command line applies its
// flags and MESHBATCH_* variables over the file (cmd/meshbatch), and the
// lint engine takes the plain values that come out (lint.Options).
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/render"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// FileNames are the names Find looks for, in order, in a directory and
// then in each parent directory.
var FileNames = []string{".meshbatch.yaml", ".meshbatch.yml"}

// Config is the .meshbatch.yaml file. Its shape is a published contract
// (docs/configuration.md, docs/schemas/meshbatch-config.schema.json):
//
//	rules:
//	  disable: [MB105]
//	  severity: {MB301: error}
//	ignore:
//	  - rules: [MB101]
//	    paths: ["vendor/**"]
//	    kinds: [Job]
//	    namespaces: ["legacy-*"]
//	    names: ["old-*"]
//	    reason: jobs being retired in Q1
//	exclude: ["charts/*/templates/**"]
//	facts:
//	  istioVersion: "1.28"
//	failOn: warning
//	baseline: .meshbatch-baseline.json
//
// Unknown keys are errors with file:line:column.
type Config struct {
	Rules  RulesConfig   `json:"rules,omitempty"`
	Ignore []IgnoreEntry `json:"ignore,omitempty"`
	// Exclude are doublestar globs, relative to the config file's
	// directory, of paths lint does not read (lint.Exclude).
	Exclude     []string      `json:"exclude,omitempty"`
	Facts       lint.RawFacts `json:"facts,omitempty"`
	FactsFile   string        `json:"factsFile,omitempty"`   // written by meshbatch facts; relative to this file
	Format      string        `json:"format,omitempty"`      // default output format
	FailOn      string        `json:"failOn,omitempty"`      // error, warning, info or none
	MinSeverity string        `json:"minSeverity,omitempty"` // error, warning or info
	// Baseline is the file of recorded findings to hide (pkg/baseline),
	// relative to the config file's directory.
	Baseline string `json:"baseline,omitempty"`
	// Charts say how lint renders the Helm charts of the input, by the
	// chart's directory relative to the config file's directory.
	Charts map[string]ChartConfig `json:"charts,omitempty"`

	// File is the path of the file as the user would type it from the
	// working directory, "" for no file; Dir is its absolute directory,
	// which ignore paths are relative to.
	File string `json:"-"`
	Dir  string `json:"-"`
	pos  map[string]manifest.Pos
}

// RulesConfig selects rules and changes their severities. Entries are rule
// ids or slugs; disable and enable also take globs over ids ("MB3*", "*").
// enable wins over disable, so `disable: ["*"]` with `enable: [MB101]` runs
// only MB101. MB001 (invalid input) cannot be disabled.
type RulesConfig struct {
	Disable  []string          `json:"disable,omitempty"`
	Enable   []string          `json:"enable,omitempty"`
	Severity map[string]string `json:"severity,omitempty"`
}

// IgnoreEntry hides the findings that match all of its non-empty fields.
// Paths are doublestar globs relative to the config file's directory; the
// other fields are globs (path.Match) over the object's kind, namespace
// and name.
type IgnoreEntry struct {
	Rules      []string `json:"rules,omitempty"`
	Paths      []string `json:"paths,omitempty"`
	Kinds      []string `json:"kinds,omitempty"`
	Namespaces []string `json:"namespaces,omitempty"`
	Names      []string `json:"names,omitempty"`
	Reason     string   `json:"reason,omitempty"`
}

// ChartConfig is how one chart is rendered for lint: values files
// (relative to the config file's directory) over the chart's values.yaml,
// then set (helm's --set syntax, key: value), and the release's name and
// namespace the templates see.
//
// Environments render the chart once each, by name: each takes the
// chart's values and set, then its own, and may name its own release and
// namespace. Without environments the chart renders once.
type ChartConfig struct {
	Values       []string                     `json:"values,omitempty"`
	Set          map[string]string            `json:"set,omitempty"`
	ReleaseName  string                       `json:"releaseName,omitempty"`
	Namespace    string                       `json:"namespace,omitempty"`
	Environments map[string]EnvironmentConfig `json:"environments,omitempty"`
}

// EnvironmentConfig is one rendering of a chart: its values files and set
// values, over the chart's, and its release name and namespace when they
// differ from the chart's.
type EnvironmentConfig struct {
	Values      []string          `json:"values,omitempty"`
	Set         map[string]string `json:"set,omitempty"`
	ReleaseName string            `json:"releaseName,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
}

// ErrNotRegularFile is the error of Find for a config file that is not a
// regular file: a pipe would block the run until someone writes to it.
var ErrNotRegularFile = errors.New("not a regular file")

// Find looks for a config file in dir and then in each parent directory,
// and returns its path, or "" when there is none.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		for _, name := range FileNames {
			p := filepath.Join(dir, name)
			info, err := os.Stat(p)
			if err == nil && !info.IsDir() {
				if !info.Mode().IsRegular() {
					return "", fmt.Errorf("%s: %w (%s)", p, ErrNotRegularFile, info.Mode().Type())
				}
				return p, nil
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("%s: %v", p, describeFSError(err))
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// Load reads and strictly decodes a config file. Errors start with
// file:line:column and say what to write instead.
func Load(file string) (*Config, error) {
	data, err := readFile(file)
	if err != nil {
		return nil, fmt.Errorf("config %s: %v", file, describeFSError(err))
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	return Parse(displayPath(abs), filepath.Dir(abs), data)
}

// MaxBytes bounds the config file read: real ones are a few lines.
const MaxBytes = 1 << 20

// readFile reads a config file of at most MaxBytes. It may be a pipe
// (a process substitution, <(...)), which it reads until the writer
// closes it.
func readFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("larger than %d bytes: is this the config file?", MaxBytes)
	}
	return data, nil
}

// displayPath shows an absolute path relative to the working directory
// when that is shorter, as users would type it.
func displayPath(abs string) string {
	wd, err := os.Getwd()
	if err != nil {
		return abs
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && len(rel) < len(abs) {
		return rel
	}
	return abs
}

// Parse decodes config data; name is used in errors and dir is the
// directory ignore paths are relative to. The whole file is checked: rule
// ids, severities, globs and facts.
func Parse(name, dir string, data []byte) (*Config, error) {
	c := &Config{File: name, Dir: dir, pos: map[string]manifest.Pos{}}
	empty, err := decodeFile(name, data, c, c.pos)
	switch {
	case err != nil:
		return nil, err
	case empty: // an empty file is a valid, empty config
		return c, nil
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Where returns "file:line:column" of a field path in the config ("facts",
// "ignore[2]"), or the file name alone when the path is not in the file.
func (c *Config) Where(fieldPath string) string {
	if p, ok := c.pos[fieldPath]; ok {
		return fmt.Sprintf("%s:%d:%d", c.File, p.Line, p.Col)
	}
	return c.File
}

// BaselineFile is the path of the baseline key's file, which is relative
// to the config file's directory, as the user would type it from the
// working directory; "" when the key is not set.
func (c *Config) BaselineFile() string {
	if c.Baseline == "" {
		return ""
	}
	p := filepath.FromSlash(c.Baseline)
	if !filepath.IsAbs(p) && c.Dir != "" {
		p = filepath.Join(c.Dir, p)
	}
	return displayPath(p)
}

// Has reports whether the file sets a field path ("failOn",
// "facts.istioVersion").
func (c *Config) Has(fieldPath string) bool {
	_, ok := c.pos[fieldPath]
	return ok
}

func (c *Config) errorf(fieldPath, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", c.Where(fieldPath), fieldPath, fmt.Sprintf(format, args...))
}

// validate checks everything that does not need flags or the environment:
// rule ids, severities, globs and facts.
func (c *Config) validate() error {
	if _, _, err := c.RuleSet(); err != nil {
		return err
	}
	if _, err := c.Suppressions(); err != nil {
		return err
	}
	for i, g := range c.Exclude {
		e := lint.Exclude{Patterns: []string{g}}
		if err := e.Validate("the config file's directory"); err != nil {
			return c.errorf(fmt.Sprintf("exclude[%d]", i), "%v", err)
		}
	}
	if _, err := c.Facts.Parse(); err != nil {
		var fe *lint.FactError
		if errors.As(err, &fe) {
			return c.errorf("facts."+fe.Key, "%s", fe.Msg)
		}
		return err
	}
	if err := c.validateCharts(); err != nil {
		return err
	}
	for _, k := range []string{"failOn", "minSeverity"} {
		v := map[string]string{"failOn": c.FailOn, "minSeverity": c.MinSeverity}[k]
		if v == "" {
			continue
		}
		if _, err := ParseThreshold(v, k == "failOn"); err != nil {
			return c.errorf(k, "%v", err)
		}
	}
	return nil
}

// ParseThreshold reads a severity; "none" (allowed for fail-on) is 0.
func ParseThreshold(s string, allowNone bool) (rules.Severity, error) {
	if allowNone && strings.EqualFold(s, "none") {
		return 0, nil
	}
	sev, err := rules.ParseSeverity(s)
	if err != nil && allowNone {
		return 0, fmt.Errorf("unknown severity %q: use error, warning, info or none", s)
	}
	return sev, err
}

// RuleSet returns the rules to run (nil means all) and the severity
// overrides the config asks for.
func (c *Config) RuleSet() ([]*rules.Rule, map[string]rules.Severity, error) {
	all := checks.All()
	disabled := map[string]bool{}
	mark := func(list []string, key string, on bool) error {
		for i, entry := range list {
			p := fmt.Sprintf("rules.%s[%d]", key, i)
			ids, err := matchRuleEntry(entry, all)
			if err != nil {
				return c.errorf(p, "%v", err)
			}
			for _, id := range ids {
				if id == rules.InvalidInput.ID && !on {
					if !strings.ContainsAny(entry, "*?[") {
						return c.errorf(p, "MB001 (invalid input) cannot be disabled; hide its findings for some files with an ignore entry with paths")
					}
					continue
				}
				disabled[id] = !on
			}
		}
		return nil
	}
	if err := mark(c.Rules.Disable, "disable", false); err != nil {
		return nil, nil, err
	}
	if err := mark(c.Rules.Enable, "enable", true); err != nil {
		return nil, nil, err
	}
	var set []*rules.Rule
	if len(c.Rules.Disable) > 0 {
		for _, r := range all {
			if !disabled[r.ID] {
				set = append(set, r)
			}
		}
	}
	var overrides map[string]rules.Severity
	keys := make([]string, 0, len(c.Rules.Severity))
	for k := range c.Rules.Severity {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := "rules.severity" + manifest.Key(k)
		r := checks.Lookup(k)
		if r == nil {
			return nil, nil, c.errorf(p, "%v", lint.UnknownRule(k))
		}
		sev, err := rules.ParseSeverity(c.Rules.Severity[k])
		if err != nil {
			return nil, nil, c.errorf(p, "%v", err)
		}
		if overrides == nil {
			overrides = map[string]rules.Severity{}
		}
		overrides[r.ID] = sev
	}
	return set, overrides, nil
}

// matchRuleEntry resolves a rule id, slug or id glob to rule ids.
func matchRuleEntry(entry string, all []*rules.Rule) ([]string, error) {
	if !strings.ContainsAny(entry, "*?[") {
		r := checks.Lookup(entry)
		if r == nil {
			return nil, lint.UnknownRule(entry)
		}
		return []string{r.ID}, nil
	}
	var ids []string
	for _, r := range all {
		ok, err := path.Match(strings.ToUpper(entry), r.ID)
		if err != nil {
			return nil, fmt.Errorf("bad pattern %q", entry)
		}
		if ok {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("pattern %q matches no rule; `meshbatch rules` lists them", entry)
	}
	return ids, nil
}

// Suppressions turns the ignore entries into suppressions whose Origin is
// the entry's file:line.
func (c *Config) Suppressions() ([]lint.Suppression, error) {
	var out []lint.Suppression
	for i, e := range c.Ignore {
		p := fmt.Sprintf("ignore[%d]", i)
		s := lint.Suppression{
			Rules: e.Rules, Paths: e.Paths, Base: c.Dir,
			Kinds: e.Kinds, Namespaces: e.Namespaces, Names: e.Names,
			Reason: e.Reason, Source: lint.SuppressedByConfig,
		}
		s.Origin = c.Where(p)
		if i := strings.LastIndexByte(s.Origin, ':'); i > 0 && c.Has(p) {
			s.Origin = s.Origin[:i] // file:line reads better than file:line:col here
		}
		if len(e.Rules)+len(e.Paths)+len(e.Kinds)+len(e.Namespaces)+len(e.Names) == 0 {
			return nil, c.errorf(p, "an ignore entry needs at least one of rules, paths, kinds, namespaces or names (it would hide every finding)")
		}
		for j, r := range e.Rules {
			if r != "*" && checks.Lookup(r) == nil {
				return nil, c.errorf(fmt.Sprintf("%s.rules[%d]", p, j), "%v", lint.UnknownRule(r))
			}
		}
		if err := s.ValidateGlobs(); err != nil {
			return nil, c.errorf(p, "%v", err)
		}
		out = append(out, s)
	}
	return out, nil
}

// Excludes returns the exclude patterns as the lint engine takes them,
// relative to the config file's directory; nil when there are none.
func (c *Config) Excludes() []lint.Exclude {
	if len(c.Exclude) == 0 {
		return nil
	}
	origin := c.Where("exclude")
	if i := strings.LastIndexByte(origin, ':'); i > 0 && c.Has("exclude") {
		origin = origin[:i] // file:line
	}
	return []lint.Exclude{{Patterns: c.Exclude, Base: c.Dir, Origin: origin}}
}

// describeFSError drops the repeated path from *PathError messages.
func describeFSError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// validateCharts checks that each chart and values file named exists.
func (c *Config) validateCharts() error {
	for _, dir := range sortedKeys(c.Charts) {
		at := "charts" + manifest.Key(dir)
		if render.KindOf(c.path(dir)) != render.Helm {
			return c.errorf(at, "%s holds no Chart.yaml; name a chart's directory, relative to %s", c.path(dir), c.dirName())
		}
		if err := c.checkValuesFiles(at, c.Charts[dir].Values); err != nil {
			return err
		}
		envs := c.Charts[dir].Environments
		if envs != nil && len(envs) == 0 {
			return c.errorf(at+".environments", "no environment: name at least one (prod: {values: [...]}), or leave environments out to render the chart once")
		}
		for _, name := range sortedKeys(envs) {
			envAt := at + ".environments" + manifest.Key(name)
			if !validEnvironment(name) {
				return c.errorf(envAt, "environment name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
			}
			if err := c.checkValuesFiles(envAt, envs[name].Values); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Config) checkValuesFiles(at string, files []string) error {
	for i, v := range files {
		if fi, err := os.Stat(c.path(v)); err != nil || !fi.Mode().IsRegular() {
			return c.errorf(fmt.Sprintf("%s.values[%d]", at, i), "values file %s not found; paths are relative to %s", c.path(v), c.dirName())
		}
	}
	return nil
}

// validEnvironment keeps environment names to what reads well in a
// finding's message and in a SARIF property.
func validEnvironment(name string) bool {
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case i > 0 && (r == '.' || r == '_' || r == '-'):
		default:
			return false
		}
	}
	return name != ""
}

func (c *Config) dirName() string {
	if c.File == "" {
		return "the working directory"
	}
	return "the directory of " + c.File
}

// path resolves a path of the config file, relative to its directory, as
// the user would type it from the working directory.
func (c *Config) path(p string) string {
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) && c.Dir != "" {
		p = filepath.Join(c.Dir, p)
	}
	return displayPath(p)
}

// ChartOfValuesFile returns the chart whose charts: entry names file as
// a values file, "" when none does: a changed values file kept outside
// its chart lints that chart.
func (c *Config) ChartOfValuesFile(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return ""
	}
	for _, dir := range sortedKeys(c.Charts) {
		files := slices.Clone(c.Charts[dir].Values)
		for _, env := range c.Charts[dir].Environments {
			files = append(files, env.Values...)
		}
		for _, v := range files {
			if va, err := filepath.Abs(c.path(v)); err == nil && va == abs {
				return c.path(dir)
			}
		}
	}
	return ""
}

// ChartRenderings are the renderings of a chart found in lint's input
// that the charts key asks for: t with the chart's entry filled in, once,
// or once for each of its environments, in name order; t alone when no
// entry names its directory.
func (c *Config) ChartRenderings(t render.Target) []render.Target {
	if t.Kind != render.Helm || len(c.Charts) == 0 {
		return []render.Target{t}
	}
	abs, err := filepath.Abs(t.Dir)
	if err != nil {
		return []render.Target{t}
	}
	for _, dir := range sortedKeys(c.Charts) {
		want, err := filepath.Abs(c.path(dir))
		if err != nil || want != abs {
			continue
		}
		cc := c.Charts[dir]
		t = c.withValues(t, cc.Values, cc.Set, cc.ReleaseName, cc.Namespace)
		if len(cc.Environments) == 0 {
			return []render.Target{t}
		}
		var out []render.Target
		for _, name := range sortedKeys(cc.Environments) {
			env := cc.Environments[name]
			et := t
			et.Values, et.Set = slices.Clone(t.Values), slices.Clone(t.Set)
			et = c.withValues(et, env.Values, env.Set, env.ReleaseName, env.Namespace)
			et.Environment = name
			out = append(out, et)
		}
		return out
	}
	return []render.Target{t}
}

// withValues adds values files and set values to t, after its own, and
// sets its release name and namespace when given.
func (c *Config) withValues(t render.Target, values []string, set map[string]string, releaseName, namespace string) render.Target {
	for _, v := range values {
		t.Values = append(t.Values, c.path(v))
	}
	for _, k := range sortedKeys(set) {
		t.Set = append(t.Set, k+"="+set[k])
	}
	if releaseName != "" {
		t.ReleaseName = releaseName
	}
	if namespace != "" {
		t.Namespace = namespace
	}
	return t
}

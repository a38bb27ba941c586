package lint

import (
	"cmp"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/meshbatch/meshbatch/internal/suggest"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// Annotations that suppress findings on the object that carries them.
const (
	AnnotIgnore       = "meshbatch.dev/ignore"        // "MB101,MB301", slugs, or "*"
	AnnotIgnoreReason = "meshbatch.dev/ignore-reason" // free text, shown in audits
)

// Where a suppression was declared. The three levels are applied in one
// place, the engine's emitter, in this order: an annotation on the object
// first (unless Options.NoInlineIgnores), then config entries and --suppress
// flags in the order given. The first that matches is recorded.
const (
	SuppressedByAnnotation = "annotation"
	SuppressedByConfig     = "config"
	SuppressedByFlag       = "flag"
)

// Suppression hides findings that match all of its non-empty fields.
// It comes from a config file ignore entry or from --suppress.
type Suppression struct {
	Rules      []string // rule ids or slugs, "*" for all; empty means every rule
	Paths      []string // doublestar globs over slash paths, relative to Base
	Base       string   // absolute directory Paths are relative to ("" = the working directory)
	Kinds      []string // globs
	Namespaces []string // globs; an object that names no namespace is in "default"
	Names      []string // globs
	Reason     string
	Origin     string // where it was declared, for messages: ".meshbatch.yaml:12", "--suppress"
	Source     string // SuppressedByConfig or SuppressedByFlag
}

func (s *Suppression) matches(f *Finding) bool {
	if len(s.Rules) > 0 && !matchRule(s.Rules, f.RuleID, f.Slug) {
		return false
	}
	if len(s.Paths) > 0 && !s.matchPath(f.File) {
		return false
	}
	return matchGlobs(s.Kinds, f.Object.Kind) &&
		matchGlobs(s.Namespaces, effectiveNamespace(f.Object)) &&
		matchGlobs(s.Names, f.Object.Name)
}

// effectiveNamespace is where kubectl apply puts the object without -n: a
// namespaced object that names none goes to "default". Namespace objects
// (the only cluster-scoped kind meshbatch decodes) and findings without an
// object have no namespace.
func effectiveNamespace(o ObjectRef) string {
	if o.Namespace == "" && o.Kind != "" && o.Kind != "Namespace" {
		return "default"
	}
	return o.Namespace
}

// matchPath matches the finding's file against the path globs (see
// matchPathGlobs).
func (s *Suppression) matchPath(file string) bool {
	return matchPathGlobs(s.Paths, s.Base, file)
}

// matchPathGlobs matches a file against doublestar globs relative to base
// ("" is the working directory). Both sides are made absolute and
// relative to base, so "vendor/**" means the same whether lint was started
// in the repository root or in a subdirectory, and whether the path was
// given as ./vendor/x.yaml, vendor/x.yaml or /abs/repo/vendor/x.yaml. A
// pattern also matches every path below a directory it matches ("vendor"
// is "vendor/**"). Paths outside base never match, and neither does
// standard input.
func matchPathGlobs(globs []string, base, file string) bool {
	if file == StdinName || len(globs) == 0 {
		return false
	}
	rel := filepath.Clean(file)
	if base == "" && filepath.IsAbs(rel) {
		base, _ = filepath.Abs(".")
	}
	if base != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return false
		}
		r, err := filepath.Rel(base, abs)
		if err != nil {
			return false
		}
		rel = r
	}
	rel = filepath.ToSlash(rel)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return false
	}
	for _, g := range globs {
		g = strings.TrimSuffix(strings.TrimPrefix(g, "./"), "/")
		if ok, _ := doublestar.Match(g, rel); ok {
			return true
		}
		if ok, _ := doublestar.Match(g+"/**", rel); ok {
			return true
		}
	}
	return false
}

func matchRule(list []string, id, slug string) bool {
	for _, r := range list {
		r = strings.TrimSpace(r)
		if r == "*" || strings.EqualFold(r, id) || strings.EqualFold(r, slug) {
			return true
		}
	}
	return false
}

// matchGlobs is true for an empty list, else when any glob matches.
func matchGlobs(globs []string, v string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if ok, _ := path.Match(g, v); ok {
			return true
		}
	}
	return false
}

// ValidateGlobs reports the first malformed pattern of a suppression,
// including a kind that cannot be one (see checkKind).
func (s *Suppression) ValidateGlobs() error {
	if err := validatePathGlobs(s.Paths, "the config file's directory"); err != nil {
		return err
	}
	for _, list := range [][]string{s.Kinds, s.Namespaces, s.Names} {
		for _, g := range list {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("bad pattern %q", g)
			}
		}
	}
	for _, k := range s.Kinds {
		if err := checkKind(k); err != nil {
			return err
		}
	}
	return nil
}

// validatePathGlobs reports the first malformed path pattern, or one that
// is not relative to base (named in the message).
func validatePathGlobs(globs []string, base string) error {
	for _, g := range globs {
		if !doublestar.ValidatePattern(g) {
			return fmt.Errorf("bad path pattern %q", g)
		}
		if strings.HasPrefix(g, "/") || filepath.IsAbs(g) || g == ".." || strings.HasPrefix(g, "../") {
			return fmt.Errorf("path pattern %q must be relative to %s (like \"vendor/**\")", g, base)
		}
	}
	return nil
}

// knownKinds are the kinds meshbatch decodes, for did-you-mean.
var knownKinds = sync.OnceValue(manifest.KnownKinds)

// checkKind reports a kind glob that cannot match a kind: one with a "/"
// (a namespace/name given without its kind), one that does not start with
// an upper-case letter or a glob, and one a letter or so away from a kind
// meshbatch reads ("Jobs"). Other kinds are accepted: findings of the
// invalid-input rule name objects of any kind.
func checkKind(k string) error {
	if k == "" {
		return errors.New("a kind is empty")
	}
	if strings.Contains(k, "/") {
		return fmt.Errorf("%q is not a kind: a kind has no \"/\"", k)
	}
	if strings.ContainsAny(k[:1], "*?[") || slices.Contains(knownKinds(), k) {
		return nil
	}
	suggestion := kindSuggestion(k)
	if r, _ := utf8.DecodeRuneInString(k); !unicode.IsUpper(r) {
		if suggestion != "" {
			return fmt.Errorf("%q is not a kind: kinds start with an upper-case letter (did you mean %s?)", k, suggestion)
		}
		return fmt.Errorf("%q is not a kind: kinds start with an upper-case letter, like Job", k)
	}
	if suggestion != "" {
		return fmt.Errorf("unknown kind %q (did you mean %s?)", k, suggestion)
	}
	return nil
}

// kindSuggestion returns the kind meshbatch reads that k is a typo of,
// else "". It is stricter than suggest.Closest: a real kind meshbatch does
// not read (Node, Secret) must not be taken for a typo of one it does (Pod).
func kindSuggestion(k string) string {
	s := suggest.Closest(k, knownKinds())
	if s == "" || suggest.Distance(strings.ToLower(k), strings.ToLower(s)) > max(1, len(k)/4) {
		return ""
	}
	return s
}

// ParseSuppress reads a suppression given on the command line:
//
//	RULES[=TARGET]
//
// RULES is a comma-separated list of rule ids or slugs, or "*". TARGET
// names objects the way findings do, "Kind namespace/name" or "Kind name",
// each part a glob: "MB301=Job batch/*", "MB101,MB203=CronJob */nightly-*",
// "*=Job legacy/*". "Kind name" without a namespace matches that name in
// any namespace; no TARGET matches every object. A kind must look like one
// (see checkKind), so that "MB301=batch/etl" and "MB301=Jobs batch/*" are
// errors rather than suppressions that match nothing. The caller sets
// Origin: where the value was given.
func ParseSuppress(s string) (Suppression, error) {
	sup := Suppression{Source: SuppressedByFlag}
	rulesPart, target, hasTarget := strings.Cut(s, "=")
	form := func(kind, nsName string) string {
		return fmt.Sprintf("want RULES[=Kind namespace/name], like %s=%s %s", cmp.Or(strings.TrimSpace(rulesPart), "MB301"), kind, nsName)
	}
	for _, r := range strings.Split(rulesPart, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			return sup, fmt.Errorf("%q: %s", s, form("Job", "batch/*"))
		}
		if r != "*" && checks.Lookup(r) == nil {
			return sup, fmt.Errorf("%q: %v", s, UnknownRule(r))
		}
		sup.Rules = append(sup.Rules, r)
	}
	if hasTarget {
		fields := strings.Fields(target)
		switch len(fields) {
		case 1:
			if fields[0] != "*" {
				sup.Kinds = []string{fields[0]}
			}
		case 2:
			sup.Kinds = []string{fields[0]}
			if ns, name, ok := strings.Cut(fields[1], "/"); ok {
				sup.Namespaces, sup.Names = []string{ns}, []string{name}
			} else {
				sup.Names = []string{fields[1]}
			}
		default:
			return sup, fmt.Errorf("%q: the target must be \"Kind namespace/name\" or \"Kind name\", like MB301=Job batch/*", s)
		}
		for _, k := range sup.Kinds {
			if err := checkKind(k); err != nil {
				example := "batch/*"
				if len(fields) == 2 {
					example = fields[1]
				} else if strings.Contains(k, "/") {
					example = k // namespace/name without its kind
					err = fmt.Errorf("%v (is the kind missing before namespace/name?)", err)
				}
				return sup, fmt.Errorf("%q: %v; %s", s, err, form(cmp.Or(kindSuggestion(k), "Job"), example))
			}
		}
	}
	if err := sup.ValidateGlobs(); err != nil {
		return sup, fmt.Errorf("%q: %v", s, err)
	}
	return sup, nil
}

// UnknownRule is the error for a rule id or slug that names no rule; it
// suggests the closest one.
func UnknownRule(r string) error {
	return fmt.Errorf("unknown rule %q%s; `meshbatch rules` lists them", r, didYouMeanRule(r))
}

// didYouMeanRule returns " (did you mean ID?)" for the rule id or slug
// closest to r, or "" when none is close.
func didYouMeanRule(r string) string {
	var names []string
	for _, rule := range checks.All() {
		names = append(names, rule.ID, rule.Slug)
	}
	if s := suggest.Closest(r, names); s != "" {
		return fmt.Sprintf(" (did you mean %s?)", s)
	}
	return ""
}

// inlineIgnore returns the annotation that silences a finding on an object:
// the object's own, or, for a finding inside a pod template, the
// template's, and the reason given next to it. It returns "" when none
// applies.
func inlineIgnore(o *manifest.Object, r *rules.Rule, path string, ia ignoreAnnotations) (origin, reason string) {
	if v, ok := ia.own[AnnotIgnore]; ok && matchRule(strings.Split(v, ","), r.ID, r.Slug) {
		return "annotation " + AnnotIgnore + " on " + o.Ref(), ia.own[AnnotIgnoreReason]
	}
	if ia.templatePath != "" && strings.HasPrefix(path, ia.templatePath+".") {
		if v, ok := ia.template[AnnotIgnore]; ok && matchRule(strings.Split(v, ","), r.ID, r.Slug) {
			return "annotation " + AnnotIgnore + " on the pod template of " + o.Ref(), ia.template[AnnotIgnoreReason]
		}
	}
	return "", ""
}

// ignoreAnnotationProblems reports the unknown rule ids and slugs in the
// meshbatch.dev/ignore annotations of o and of its pod template, as
// invalid-input problems at the annotation: a typo there would otherwise
// hide nothing, silently, while the same typo in the config file or in
// --suppress is an error. known says whether a rule id or slug names a
// rule: one of the registry or of Options.Rules.
func ignoreAnnotationProblems(o *manifest.Object, ia ignoreAnnotations, known func(string) bool) []manifest.Problem {
	type place struct {
		value, path, where string
	}
	var places []place
	if v, ok := ia.own[AnnotIgnore]; ok {
		places = append(places, place{v, "metadata.annotations" + manifest.Key(AnnotIgnore), AnnotIgnore})
	}
	if ia.templatePath != "" {
		if v, ok := ia.template[AnnotIgnore]; ok {
			places = append(places, place{v, ia.templatePath + ".metadata.annotations" + manifest.Key(AnnotIgnore), AnnotIgnore + " on the pod template"})
		}
	}
	var out []manifest.Problem
	for _, pl := range places {
		var unknown []string
		for _, r := range strings.Split(pl.value, ",") {
			r = strings.TrimSpace(r)
			if r != "" && r != "*" && !known(r) && !slices.Contains(unknown, r) {
				unknown = append(unknown, r)
				if len(unknown) > maxUnknownIgnores {
					break // a hostile annotation: no need to count them all
				}
			}
		}
		if len(unknown) == 0 {
			continue
		}
		pos := o.Positions([]string{pl.path})[0]
		add := func(msg string) {
			out = append(out, manifest.Problem{
				File: o.File, Doc: o.Doc, Pos: pos, Msg: msg,
				APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name,
			})
		}
		for i, r := range unknown {
			if i == maxUnknownIgnores {
				add(fmt.Sprintf("%s names more unknown rules than these %d", pl.where, maxUnknownIgnores))
				break
			}
			add(fmt.Sprintf("%s names unknown rule %q%s, so it hides nothing; `meshbatch rules` lists the rules", pl.where, r, didYouMeanRule(r)))
		}
	}
	return out
}

// maxUnknownIgnores caps the findings for one meshbatch.dev/ignore
// annotation, which a hostile manifest could fill with a million items.
const maxUnknownIgnores = 5

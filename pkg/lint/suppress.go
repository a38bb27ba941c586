package lint

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
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

// matchPath matches the finding's file against the path globs. Both sides
// are made absolute and relative to Base, so "vendor/**" means the same
// whether lint was started in the repository root or in a subdirectory,
// and whether the path was given as ./vendor/x.yaml, vendor/x.yaml or
// /abs/repo/vendor/x.yaml. A pattern also matches every file below a
// directory it matches ("vendor" is "vendor/**"). Files outside Base never
// match, and neither does standard input.
func (s *Suppression) matchPath(file string) bool {
	if file == StdinName {
		return false
	}
	rel := filepath.Clean(file)
	base := s.Base
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
	for _, g := range s.Paths {
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

// ValidateGlobs reports the first malformed pattern of a suppression.
func (s *Suppression) ValidateGlobs() error {
	for _, g := range s.Paths {
		if !doublestar.ValidatePattern(g) {
			return fmt.Errorf("bad path pattern %q", g)
		}
		if strings.HasPrefix(g, "/") || filepath.IsAbs(g) || g == ".." || strings.HasPrefix(g, "../") {
			return fmt.Errorf("path pattern %q must be relative to the config file's directory (like \"vendor/**\")", g)
		}
	}
	for _, list := range [][]string{s.Kinds, s.Namespaces, s.Names} {
		for _, g := range list {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("bad pattern %q", g)
			}
		}
	}
	return nil
}

// ParseSuppress reads a --suppress value:
//
//	RULES[=TARGET]
//
// RULES is a comma-separated list of rule ids or slugs, or "*". TARGET
// names objects the way findings do, "Kind namespace/name" or "Kind name",
// each part a glob: "MB301=Job batch/*", "MB101,MB203=CronJob */nightly-*",
// "*=Job legacy/*". "Kind name" without a namespace matches that name in
// any namespace; no TARGET matches every object.
func ParseSuppress(s string) (Suppression, error) {
	sup := Suppression{Origin: "--suppress " + s, Source: SuppressedByFlag}
	rulesPart, target, hasTarget := strings.Cut(s, "=")
	for _, r := range strings.Split(rulesPart, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			return sup, fmt.Errorf("%q: want RULES[=Kind namespace/name], like MB301=Job batch/*", s)
		}
		if r != "*" && rules.Lookup(r) == nil {
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
	}
	if err := sup.ValidateGlobs(); err != nil {
		return sup, fmt.Errorf("%q: %v", s, err)
	}
	return sup, nil
}

// UnknownRule is the error for a rule id or slug that names no rule; it
// suggests the closest one.
func UnknownRule(r string) error {
	var names []string
	for _, rule := range rules.All() {
		names = append(names, rule.ID, rule.Slug)
	}
	msg := fmt.Sprintf("unknown rule %q", r)
	if s := didYouMean(r, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return errors.New(msg + "; `meshbatch rules` lists them")
}

// inlineIgnore returns the annotation that silences a finding on an object:
// the object's own, or, for a finding inside a pod template, the
// template's, and the reason given next to it. It returns "" when none
// applies.
func inlineIgnore(o *manifest.Object, d rules.Diagnostic, templateAnnotations func() (map[string]string, string)) (origin, reason string) {
	if v, ok := o.Annotations[AnnotIgnore]; ok && matchRule(strings.Split(v, ","), d.Rule.ID, d.Rule.Slug) {
		return "annotation " + AnnotIgnore + " on " + o.Ref(), o.Annotations[AnnotIgnoreReason]
	}
	if ann, prefix := templateAnnotations(); prefix != "" && strings.HasPrefix(d.Path, prefix) {
		if v, ok := ann[AnnotIgnore]; ok && matchRule(strings.Split(v, ","), d.Rule.ID, d.Rule.Slug) {
			return "annotation " + AnnotIgnore + " on the pod template of " + o.Ref(), ann[AnnotIgnoreReason]
		}
	}
	return "", ""
}

// didYouMean returns the candidate closest to s by case-insensitive edit
// distance, if it is close enough to be a typo, else "".
func didYouMean(s string, candidates []string) string {
	best, bestD := "", max(2, len(s)/3)+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

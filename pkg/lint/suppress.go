package lint

import (
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

// Suppression hides findings that match all of its non-empty fields.
// It comes from a config file ignore entry or from --suppress.
type Suppression struct {
	Rules      []string // rule ids or slugs; empty means every rule
	Paths      []string // doublestar globs over slash paths, relative to Base
	Base       string   // directory Paths are relative to ("" = as given)
	Kinds      []string // globs
	Namespaces []string // globs
	Names      []string // globs
	Reason     string
	Origin     string // where it was declared, for messages: ".meshbatch.yaml:12", "--suppress"
}

func (s *Suppression) matches(f *Finding) bool {
	if len(s.Rules) > 0 && !matchRule(s.Rules, f.RuleID, f.Slug) {
		return false
	}
	if len(s.Paths) > 0 && !s.matchPath(f.File) {
		return false
	}
	return matchGlobs(s.Kinds, f.Object.Kind) &&
		matchGlobs(s.Namespaces, f.Object.Namespace) &&
		matchGlobs(s.Names, f.Object.Name)
}

// matchPath matches the finding's file against the path globs. Both sides
// are made absolute and relative to Base, so "vendor/**" means the same
// whether lint was started in the repository root or in a subdirectory,
// and whether the path was given as ./vendor/x.yaml or vendor/x.yaml.
func (s *Suppression) matchPath(file string) bool {
	if file == StdinName {
		return false
	}
	rel := filepath.Clean(file)
	if s.Base != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return false
		}
		if r, err := filepath.Rel(s.Base, abs); err == nil {
			rel = r
		}
	}
	rel = filepath.ToSlash(rel)
	for _, g := range s.Paths {
		if ok, _ := doublestar.Match(strings.TrimPrefix(g, "./"), rel); ok {
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

// inlineIgnore returns the annotation that silences a finding on an object:
// the object's own, or, for a finding inside a pod template, the
// template's. It returns "" when none applies.
func inlineIgnore(o *manifest.Object, d rules.Diagnostic, templateAnnotations func() (map[string]string, string)) string {
	if v, ok := o.Annotations[AnnotIgnore]; ok && matchRule(strings.Split(v, ","), d.Rule.ID, d.Rule.Slug) {
		return "annotation " + AnnotIgnore + " on " + o.Ref()
	}
	if ann, prefix := templateAnnotations(); prefix != "" && strings.HasPrefix(d.Path, prefix) {
		if v, ok := ann[AnnotIgnore]; ok && matchRule(strings.Split(v, ","), d.Rule.ID, d.Rule.Slug) {
			return "annotation " + AnnotIgnore + " on the pod template of " + o.Ref()
		}
	}
	return ""
}

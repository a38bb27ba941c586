package lint

import (
	"fmt"
	"strings"
)

// Exclude leaves paths out of the input: a directory walk does not read
// the files it matches, nor descend into the directories it matches, and a
// file named on the command line that it matches is not read either, but
// named in Result.Notices, so that leaving it out is never silent.
// Standard input is never excluded. Unlike a suppression, an excluded
// file is not read at all: its objects are invisible to every rule.
type Exclude struct {
	// Patterns are doublestar globs over slash paths relative to Base; a
	// pattern that matches a directory matches everything below it.
	Patterns []string
	Base     string // absolute directory Patterns are relative to ("" = the working directory)
	Origin   string // where they were declared, for notices: ".meshbatch.yaml:7", "--exclude"
}

// Validate reports the first malformed pattern; baseName says what the
// patterns are relative to, for the message.
func (e *Exclude) Validate(baseName string) error {
	return validatePathGlobs(e.Patterns, baseName)
}

// Matches reports whether path is excluded, and by which pattern.
func (e *Exclude) Matches(path string) (string, bool) {
	for _, g := range e.Patterns {
		if matchPathGlobs([]string{g}, e.Base, path) {
			return g, true
		}
	}
	return "", false
}

// excluder answers for every Exclude of a run.
type excluder []Exclude

// match returns "" when path is not excluded, else what excludes it:
// `"charts/**" (.meshbatch.yaml:7)`.
func (x excluder) match(path string) string {
	for i := range x {
		if g, ok := x[i].Matches(path); ok {
			if x[i].Origin == "" {
				return fmt.Sprintf("%q", g)
			}
			return fmt.Sprintf("%q (%s)", g, x[i].Origin)
		}
	}
	return ""
}

// describe lists the patterns that may exclude files, for a notice:
// `"charts/**" (.meshbatch.yaml:7), "tmp" (--exclude)`.
func (x excluder) describe() string {
	var parts []string
	for _, e := range x {
		var globs []string
		for _, g := range e.Patterns {
			globs = append(globs, fmt.Sprintf("%q", g))
		}
		part := strings.Join(globs, ", ")
		if e.Origin != "" {
			part += " (" + e.Origin + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

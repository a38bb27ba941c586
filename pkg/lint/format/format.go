// Package format writes lint results in the formats meshbatch offers. Each
// format is one small type behind Formatter, writing to an io.Writer.
package format

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// Formatter writes a lint result.
type Formatter interface {
	Format(w io.Writer, res *lint.Result) error
}

// Options tune formatters; each uses what applies to it.
type Options struct {
	Color   bool   // ANSI colour (text and concise)
	Width   int    // columns text wraps at; 0 means DefaultWidth
	Version string // tool version, for formats that record it
	// Rules is the rule catalogue formats that describe rules (SARIF) list;
	// nil means checks.All().
	Rules []*rules.Rule
	// FailOn is the exit threshold (0 = none): JSON records whether the
	// run failed, JUnit fails the test cases with findings at or above it.
	FailOn rules.Severity
}

func (o Options) rules() []*rules.Rule {
	if o.Rules == nil {
		return checks.All()
	}
	return o.Rules
}

// Tool identity recorded by the machine-readable formats.
const (
	ToolName       = "meshbatch"
	InformationURI = "https://github.com/meshbatch/meshbatch"
)

var formats = map[string]func(Options) Formatter{
	"text":    func(o Options) Formatter { return &Text{Color: o.Color, Width: o.Width} },
	"concise": func(o Options) Formatter { return &Concise{Color: o.Color} },
	"json":    func(o Options) Formatter { return &JSON{Version: o.Version, FailOn: o.FailOn} },
	"sarif":   func(o Options) Formatter { return &SARIF{Version: o.Version, Rules: o.rules()} },
	"github":  func(Options) Formatter { return &GitHub{} },
	"junit":   func(o Options) Formatter { return &JUnit{FailOn: o.FailOn} },
}

// Names lists the format names, sorted.
func Names() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New returns the formatter called name.
func New(name string, opts Options) (Formatter, error) {
	f, ok := formats[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown format %q: use one of %s", name, strings.Join(Names(), ", "))
	}
	return f(opts), nil
}

// Stdout is the output path that means standard output.
const Stdout = "-"

// Output is one report: a format and where it goes.
type Output struct {
	Format string
	Path   string // Stdout or a file
}

// NeedsObjects reports whether one of the outputs reports every object,
// passing or not (JUnit): the lint run must then list them
// (lint.Options.ListObjects).
func NeedsObjects(outputs []Output) bool {
	return slices.ContainsFunc(outputs, func(o Output) bool { return o.Format == "junit" })
}

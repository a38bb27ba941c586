// Package format writes lint results in the formats meshbatch offers. Each
// format is one small type behind Formatter, writing to an io.Writer.
package format

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
)

// Formatter writes a lint result.
type Formatter interface {
	Format(w io.Writer, res *lint.Result) error
}

// Options tune formatters; each uses what applies to it.
type Options struct {
	Color   bool   // ANSI colour (text only)
	Version string // tool version, for formats that record it
}

var formats = map[string]func(Options) Formatter{
	"text": func(o Options) Formatter { return &Text{Color: o.Color} },
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

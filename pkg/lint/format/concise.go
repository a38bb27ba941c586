package format

import (
	"bufio"
	"fmt"
	"io"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// Concise is the one-line human format: one line per finding, in the
// file:line:col form editors' problem matchers and grep read, then a
// summary line.
type Concise struct {
	Color bool
}

var _ Formatter = (*Concise)(nil)

const ansiReset = "\x1b[0m"

var severityColor = map[rules.Severity]string{
	rules.Error:   "\x1b[31m", // red
	rules.Warning: "\x1b[33m", // yellow
	rules.Info:    "\x1b[36m", // cyan
}

// Format implements Formatter.
func (t *Concise) Format(w io.Writer, res *lint.Result) error {
	bw := bufio.NewWriter(w)
	for f := range res.Findings.All() {
		sev := f.Severity.String()
		if t.Color {
			sev = severityColor[f.Severity] + sev + ansiReset
		}
		fmt.Fprintf(bw, "%s: %s %s %s: %s (fix: %s)\n",
			Where(&f), sev, f.RuleID, f.Slug, Printable(f.Message+f.SeeAlso()), Printable(f.Remediation))
	}
	fmt.Fprintln(bw, Summary(res))
	return bw.Flush()
}

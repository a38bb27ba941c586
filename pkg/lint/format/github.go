package format

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// GitHub writes GitHub Actions workflow commands, which the runner turns
// into annotations on the pull request's diff:
//
//	::error file=deploy/job.yaml,line=14,col=11,title=MB101 job-sidecar-never-exits::Job batch/etl keeps…
//
// Errors are "error", warnings "warning" and infos "notice". The summary
// line follows as plain log text.
type GitHub struct{}

var _ Formatter = (*GitHub)(nil)

// Format implements Formatter.
func (*GitHub) Format(w io.Writer, res *lint.Result) error {
	bw := bufio.NewWriter(w)
	for f := range res.Findings.All() {
		var props []string
		msg := Printable(f.Message+f.SeeAlso()) + "\nFix: " + f.Remediation + "\n" + f.URL
		if f.Live() {
			// No file to annotate: the annotation goes on the run, and
			// names the object.
			msg = Where(&f) + ": " + msg
		} else {
			props = append(props, "file="+ghProperty(Printable(f.File)))
		}
		if f.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", f.Line))
		}
		if f.Column > 0 {
			props = append(props, fmt.Sprintf("col=%d", f.Column))
		}
		props = append(props, "title="+ghProperty(f.RuleID+" "+f.Slug))
		fmt.Fprintf(bw, "::%s %s::%s\n", ghCommand(f.Severity), strings.Join(props, ","), ghData(msg))
	}
	fmt.Fprintln(bw, Summary(res))
	return bw.Flush()
}

func ghCommand(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "notice"
}

// ghData escapes a command's message the way the Actions runner unescapes
// it (toolkit core/src/command.ts escapeData).
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a property value: as data, plus ':' and ','.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

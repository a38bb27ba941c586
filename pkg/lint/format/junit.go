package format

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// JUnit writes a JUnit XML report for CI test-report views (GitLab,
// Jenkins, Azure DevOps): one testsuite per file, one testcase per object,
// and a failure on each testcase with findings at or above FailOn, so the
// report fails exactly when the exit code does. Findings below FailOn are
// listed in the testcase's system-out. A document that could not be read
// as an object is a testcase of its own, named by its line.
type JUnit struct {
	FailOn rules.Severity
}

var _ Formatter = (*JUnit)(nil)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// Format implements Formatter.
func (j *JUnit) Format(w io.Writer, res *lint.Result) error {
	if res.Files == nil && res.Stats.Files > 0 {
		return errors.New("the lint result lists no objects: run lint with Options.ListObjects")
	}
	// The findings of each testcase, by their index in res.Findings, and
	// the testcases of each file's findings, in order: a report renders a
	// finding when it writes it, not all of them at once.
	type caseKey struct{ file, name string }
	byCase := map[caseKey][]int{}
	byFile := map[string][]string{}
	i := 0
	for f := range res.Findings.All() {
		k := caseKey{f.File, junitCaseName(f)}
		byCase[k] = append(byCase[k], i)
		byFile[f.File] = append(byFile[f.File], k.name)
		i++
	}
	suites := junitSuites{Name: ToolName}
	seen := map[caseKey]bool{}
	for _, file := range res.Files {
		s := junitSuite{Name: file.File}
		addCase := func(name string) {
			k := caseKey{file.File, name}
			if seen[k] {
				return
			}
			seen[k] = true
			var fs []lint.Finding
			for _, i := range byCase[k] {
				fs = append(fs, res.Findings.At(i))
			}
			s.Cases = append(s.Cases, j.testcase(file.File, name, fs))
		}
		for _, o := range file.Objects {
			addCase(o.String())
		}
		// Findings without a loaded object (documents that do not parse),
		// in line order.
		for _, name := range byFile[file.File] {
			addCase(name)
		}
		for _, c := range s.Cases {
			s.Tests++
			if c.Failure != nil {
				s.Failures++
			}
		}
		suites.Tests += s.Tests
		suites.Failures += s.Failures
		suites.Suites = append(suites.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(suites); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitCaseName(f lint.Finding) string {
	if ref := f.Object.String(); ref != "" {
		return ref
	}
	return fmt.Sprintf("document at line %d", f.Line)
}

func (j *JUnit) testcase(file, name string, fs []lint.Finding) junitCase {
	c := junitCase{Name: name, Classname: file}
	var failing, other []string
	var worst rules.Severity
	var first lint.Finding
	for _, f := range fs {
		line := fmt.Sprintf("%s:%d:%d: %s %s %s: %s (fix: %s) %s",
			f.File, f.Line, f.Column, f.Severity, f.RuleID, f.Slug, f.Message+f.SeeAlso(), f.Remediation, f.URL)
		if j.FailOn > 0 && f.Severity >= j.FailOn {
			if len(failing) == 0 {
				first = f
			}
			failing = append(failing, line)
			worst = max(worst, f.Severity)
			continue
		}
		other = append(other, line)
	}
	if len(failing) > 0 {
		msg := first.RuleID + " " + first.Slug + ": " + first.Message
		if n := len(failing); n > 1 {
			msg = fmt.Sprintf("%s (and %d more)", msg, n-1)
		}
		c.Failure = &junitFailure{Message: msg, Type: worst.String(), Text: strings.Join(failing, "\n")}
	}
	if len(other) > 0 {
		c.SystemOut = &junitText{Text: strings.Join(other, "\n")}
	}
	return c
}

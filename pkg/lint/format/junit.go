package format

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
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
	// whether it fails, and the testcases of each file's findings, in
	// order.
	type caseKey struct{ file, name string }
	type caseFindings struct {
		findings []int
		fails    bool
	}
	byCase := map[caseKey]caseFindings{}
	byFile := map[string][]string{}
	i := 0
	for f := range res.Findings.All() {
		k := caseKey{f.Source(), junitCaseName(f)}
		c := byCase[k]
		c.findings = append(c.findings, i)
		c.fails = c.fails || j.FailOn > 0 && f.Severity >= j.FailOn
		byCase[k] = c
		byFile[k.file] = append(byFile[k.file], k.name)
		i++
	}
	// The testcases of each suite: the report's root carries the totals,
	// then each suite is rendered and written in turn, not the whole report
	// at once (a finding is rendered when it is written).
	type suite struct {
		file     string
		cases    []string
		failures int
	}
	var suites []suite
	var tests, failures int
	seen := map[caseKey]bool{}
	for _, file := range res.Files {
		s := suite{file: file.File}
		addCase := func(name string) {
			k := caseKey{file.File, name}
			if seen[k] {
				return
			}
			seen[k] = true
			s.cases = append(s.cases, name)
			if byCase[k].fails {
				s.failures++
			}
		}
		for _, o := range file.Objects {
			addCase(o.String())
		}
		// Findings without a loaded object (documents that do not parse),
		// in line order.
		for _, name := range byFile[file.File] {
			addCase(name)
		}
		tests += len(s.cases)
		failures += s.failures
		suites = append(suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "name"}, Value: ToolName},
		{Name: xml.Name{Local: "tests"}, Value: strconv.Itoa(tests)},
		{Name: xml.Name{Local: "failures"}, Value: strconv.Itoa(failures)},
		{Name: xml.Name{Local: "errors"}, Value: "0"},
	}}
	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	for _, s := range suites {
		js := junitSuite{Name: s.file, Tests: len(s.cases), Failures: s.failures}
		for _, name := range s.cases {
			var fs []lint.Finding
			for _, i := range byCase[caseKey{s.file, name}].findings {
				fs = append(fs, res.Findings.At(i))
			}
			js.Cases = append(js.Cases, j.testcase(s.file, name, fs))
		}
		if err := enc.EncodeElement(js, xml.StartElement{Name: xml.Name{Local: "testsuite"}}); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
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
		where := fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)
		if f.Live() {
			where = Where(&f)
		}
		line := fmt.Sprintf("%s: %s %s %s: %s (fix: %s) %s",
			where, f.Severity, f.RuleID, f.Slug, f.Message+f.SeeAlso(), f.Remediation, f.URL)
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

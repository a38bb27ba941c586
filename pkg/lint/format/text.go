package format

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meshbatch/meshbatch/pkg/lint"
)

// DefaultWidth is the width Text wraps at when it is not told one: the
// report goes to a file, a pipe or a CI log.
const DefaultWidth = 100

// Text is the human format, laid out the way compilers show a problem:
// the location and rule, the message wrapped to the width, the source
// line with a caret under the field, the related objects and the fix,
// a blank line after each finding, then the summary line:
//
//	deploy/etl.yaml:14:11: error MB101 job-sidecar-never-exits
//	  Job batch/etl keeps its istio-proxy sidecar running after the app
//	  exits, so the Job never completes.
//	   |
//	14 |         - name: etl
//	   |           ^^^^
//	   = see Sidecar batch/default at mesh/sidecar.yaml:4
//	   = fix: Use a native sidecar.
//
// The source line is read from the finding's file, once per file, when
// the report is written. It is left out when there is nothing to read
// again (standard input, a pipe) or the file no longer holds the line.
type Text struct {
	Color bool // ANSI colour, for a terminal
	Width int  // columns to wrap at; 0 means DefaultWidth
	// ReadFile reads a finding's file for its source line and reports
	// whether it could; nil means readRegular, which reads regular files
	// only. Tests set it.
	ReadFile func(name string) ([]byte, bool)
}

var _ Formatter = (*Text)(nil)

// Colours of the parts around the message, after rustc's.
const (
	ansiBold = "\x1b[1m"
	ansiBlue = "\x1b[34m"
)

// minProse is the fewest columns prose is wrapped to, however narrow
// the terminal: below it, wrapping makes a column of single words.
const minProse = 30

// Format implements Formatter.
func (t *Text) Format(w io.Writer, res *lint.Result) error {
	bw := bufio.NewWriter(w)
	src := sourceCache{read: t.ReadFile}
	if src.read == nil {
		src.read = readRegular
	}
	width := t.Width
	if width <= 0 {
		width = DefaultWidth
	}
	for f := range res.Findings.All() {
		t.finding(bw, &f, width, &src)
	}
	fmt.Fprintln(bw, Summary(res))
	return bw.Flush()
}

func (t *Text) paint(code, s string) string {
	if !t.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *Text) finding(bw *bufio.Writer, f *lint.Finding, width int, src *sourceCache) {
	sevColor := severityColor[f.Severity]
	fmt.Fprintf(bw, "%s %s %s\n",
		t.paint(ansiBold, Where(f)+":"),
		t.paint(ansiBold+sevColor, f.Severity.String()),
		t.paint(ansiBold, f.RuleID+" "+f.Slug))
	for _, l := range wrap(Printable(f.Message), width-2) {
		fmt.Fprintf(bw, "  %s\n", l)
	}

	// The gutter is as wide as the line number; without a source line,
	// the notes line up with the message.
	line, ok := "", false
	if f.File != lint.StdinName && !f.Live() {
		line, ok = src.line(f.File, f.Line)
	}
	gutter := 1
	if ok {
		gutter = len(strconv.Itoa(f.Line))
	}
	pad := strings.Repeat(" ", gutter)
	bar := t.paint(ansiBlue, "|")
	if ok {
		if shown, caret, ok := excerpt(line, f.Column, width-gutter-3); ok {
			fmt.Fprintf(bw, "%s %s\n", pad, bar)
			fmt.Fprintf(bw, "%s %s %s\n", t.paint(ansiBlue, strconv.Itoa(f.Line)), bar, shown)
			marks := strings.TrimLeft(caret, " \t")
			fmt.Fprintf(bw, "%s %s %s%s\n", pad, bar, caret[:len(caret)-len(marks)], t.paint(ansiBold+sevColor, marks))
		}
	}
	note := func(label, text string) {
		lead := pad + " = " + label
		indent := strings.Repeat(" ", utf8.RuneCountInString(lead))
		for i, l := range wrap(text, width-len(indent)) {
			if i == 0 {
				fmt.Fprintf(bw, "%s %s %s\n", pad, t.paint(ansiBlue, "="), t.paint(ansiBold, label)+l)
				continue
			}
			fmt.Fprintf(bw, "%s%s\n", indent, l)
		}
	}
	if f.Live() && f.FieldPath != "" {
		note("field: ", Printable(f.FieldPath)) // no source line to point into
	}
	for _, r := range f.Related {
		note("see ", Printable(r.Where()))
	}
	if f.Remediation != "" {
		note("fix: ", Printable(f.Remediation))
	}
	bw.WriteByte('\n')
}

// wrap breaks s into lines of at most width columns at spaces; a word
// longer than the width gets a line of its own.
func wrap(s string, width int) []string {
	width = max(width, minProse)
	var lines []string
	var cur strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		wn := utf8.RuneCountInString(word)
		if n > 0 && n+1+wn > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wn
	}
	if n > 0 || len(lines) == 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// excerpt returns the source line as shown, at most width columns of it
// around column col, and the caret line under the token at col. It
// reports false when col is not on the line (the file changed since it
// was read).
func excerpt(line string, col, width int) (shown, caret string, ok bool) {
	runes := []rune(line)
	c := max(col, 1) - 1
	if c > len(runes) {
		return "", "", false
	}
	// Values are hidden (see redact); a column in the hidden part points
	// at the ellipsis standing for it.
	runes, visible := redact(runes)
	if c >= visible && visible < len(runes) {
		c = len(runes) - 1
	}
	// The token at col: up to a space, a flow separator or a key's colon.
	end := c
	for end < len(runes) {
		r := runes[end]
		if unicode.IsSpace(r) || r == ',' || r == ']' || r == '}' ||
			r == ':' && (end+1 == len(runes) || unicode.IsSpace(runes[end+1])) {
			break
		}
		end++
	}
	end = max(end, c+1)
	if c < visible {
		end = min(end, visible)
	}

	// A long line (a minified JSON file) is cut to a window around col.
	width = max(width, minProse)
	start, stop := 0, len(runes)
	lead, tail := "", ""
	if stop > width {
		if c >= width-10 {
			start = max(0, c-width/2)
			lead = "…"
		}
		stop = min(len(runes), start+width-1)
		if stop < len(runes) {
			tail = "…"
		}
		end = min(end, stop)
	}
	var sb, cb strings.Builder
	sb.WriteString(lead)
	cb.WriteString(strings.Repeat(" ", utf8.RuneCountInString(lead)))
	for i := start; i < stop; i++ {
		p := Printable(string(runes[i]))
		sb.WriteString(p)
		if i >= c {
			continue
		}
		if p == "\t" {
			cb.WriteByte('\t') // keeps the caret under the field, whatever the tab width
		} else {
			cb.WriteString(strings.Repeat(" ", utf8.RuneCountInString(p)))
		}
	}
	sb.WriteString(tail)
	marks := 0
	for i := c; i < min(end, len(runes)); i++ {
		marks += utf8.RuneCountInString(Printable(string(runes[i])))
	}
	cb.WriteString(strings.Repeat("^", max(marks, 1)))
	return strings.TrimRight(sb.String(), " \t"), cb.String(), true
}

// safeKeys are the keys whose plain values a source line shows: names
// and kinds, which findings print anyway.
var safeKeys = map[string]bool{"apiVersion": true, "kind": true, "name": true, "namespace": true}

// redact hides the values on a source line, leaving its indentation and
// key: a report goes to CI logs, a line may hold a Secret's data or a
// token in an env value, and findings name fields, never values. A
// plain value of a safeKeys key is kept. It returns the line as shown
// and how many of its runes are the line's own; the rest is " …".
func redact(line []rune) ([]rune, int) {
	sep := -1 // the colon ending the first key
	for i, r := range line {
		if r == ':' && (i+1 == len(line) || unicode.IsSpace(line[i+1])) {
			sep = i
			break
		}
	}
	// The indentation and "- " markers of sequence items.
	indent := 0
	for indent < len(line) {
		if line[indent] == ' ' || line[indent] == '\t' ||
			line[indent] == '-' && (indent+1 == len(line) || line[indent+1] == ' ') {
			indent++
			continue
		}
		break
	}
	rest := ""
	if sep >= 0 {
		rest = strings.TrimSpace(string(line[sep+1:]))
	}
	switch {
	case sep < 0:
		if t := strings.TrimSpace(string(line)); t == "" || t == "---" || t == "..." {
			return line, len(line)
		}
		return append(line[:indent:indent], '…'), indent
	case rest == "" || strings.HasPrefix(rest, "#"):
		return line[:sep+1], sep + 1
	case safeKeys[strings.TrimSpace(strings.TrimLeft(string(line[:sep]), " \t-"))] && plainValue(rest):
		return line, len(line)
	}
	return append(line[:sep+1:sep+1], ' ', '…'), sep + 1
}

// plainValue reports whether v is a plain scalar of name characters:
// no quotes, flow, anchors, tags or comments to hide anything in.
func plainValue(v string) bool {
	for _, r := range v {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._/-", r)) {
			return false
		}
	}
	return true
}

// sourceCache holds the last file read: findings come sorted by file,
// so each file is read once, and only one is held at a time.
type sourceCache struct {
	read  func(string) ([]byte, bool)
	name  string
	data  []byte
	ok    bool
	lines []int // offsets where each line starts
	done  bool  // name has been read
}

// line returns line n (1-based) of file name, without its line break,
// and false when the file cannot be read or is shorter.
func (s *sourceCache) line(name string, n int) (string, bool) {
	if !s.done || s.name != name {
		s.name, s.done = name, true
		s.data, s.ok = s.read(name)
		s.lines = s.lines[:0]
		if s.ok {
			s.lines = append(s.lines, 0)
			for i, b := range s.data {
				if b == '\n' {
					s.lines = append(s.lines, i+1)
				}
			}
		}
	}
	if !s.ok || n < 1 || n > len(s.lines) {
		return "", false
	}
	l := s.data[s.lines[n-1]:]
	if i := bytes.IndexByte(l, '\n'); i >= 0 {
		l = l[:i]
	}
	l = bytes.TrimSuffix(l, []byte("\r"))
	if !utf8.Valid(l) {
		return "", false
	}
	return string(l), true
}

// maxSource is the largest file read for source lines: the default
// --max-file-size. A file that has grown past it since the run is not.
const maxSource = 64 << 20

// readRegular reads a regular file. Anything else (standard input, a
// pipe such as bash's <(helm template ...), a device) was consumed by the
// run or would block, so it is not read again.
func readRegular(name string) ([]byte, bool) {
	fi, err := os.Stat(name)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxSource {
		return nil, false
	}
	data, err := os.ReadFile(name)
	return data, err == nil
}

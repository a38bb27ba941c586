package generate

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
)

// What a plan tells the user: the diff and summary of --check, and the
// summary of a write.

// check writes a unified diff of every change to w and reports whether
// there were any; a change that another spec's run would undo is also
// explained on explain.
func (p *dirPlan) check(w, explain io.Writer) error {
	if len(p.changes) == 0 {
		return nil
	}
	for _, c := range p.changes {
		path := filepath.ToSlash(filepath.Join(p.dir, c.name))
		oldName, newName := path, path+" (generated)"
		switch {
		case c.old == nil:
			oldName = "/dev/null"
		case c.new == nil:
			newName = "/dev/null"
		}
		if _, err := w.Write(diff.Diff(oldName, c.old, newName, c.new)); err != nil {
			return err
		}
		if len(c.owners) > 0 && explain != nil {
			fmt.Fprintln(explain, p.conflict([]change{c}))
		}
	}
	return ErrOutOfDate
}

// checkSummary says what --check compared, and how it came out.
func (p *dirPlan) checkSummary(runs []specRun) string {
	specs := runs[0].name
	if len(runs) > 1 {
		specs = fmt.Sprintf("%d specs", len(runs))
	}
	if len(p.changes) == 0 {
		return fmt.Sprintf("%s: up to date with %s (%s)", p.dir, specs, plural(p.unchanged, "file"))
	}
	var missing, differ, stale int
	for _, c := range p.changes {
		switch {
		case c.old == nil:
			missing++
		case c.new == nil:
			stale++
		default:
			differ++
		}
	}
	var parts []string
	for _, n := range []struct {
		n    int
		what string
	}{{differ, "changed"}, {missing, "missing"}, {stale, "stale"}} {
		if n.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n.n, n.what))
		}
	}
	return fmt.Sprintf("%s: out of date with %s: %d of %s (%s); generate without --check writes them",
		p.dir, specs, len(p.changes), plural(len(p.changes)+p.unchanged, "file"), strings.Join(parts, ", "))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (p *dirPlan) summary() string {
	var written, removed int
	for _, c := range p.changes {
		if c.new == nil {
			removed++
		} else {
			written++
		}
	}
	s := fmt.Sprintf("%s: %d written, %d unchanged", p.dir, written, p.unchanged)
	if removed > 0 {
		s += fmt.Sprintf(", %d stale removed", removed)
	}
	return s
}

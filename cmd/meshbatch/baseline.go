package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/meshbatch/meshbatch/pkg/baseline"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/format"
)

// baselineRun is what --baseline, --write-baseline and --baseline-add ask
// of one lint run.
type baselineRun struct {
	read    string // the baseline read, "" for none
	write   string // the file --write-baseline writes, "" for none
	matcher *baseline.Matcher
	notices []string
}

// newBaselineRun reads the baseline, if any, and checks the flags that go
// with it; nil means no baseline.
func newBaselineRun(file string, fl lintFlags) (*baselineRun, error) {
	if fl.noBaseline {
		file = ""
	}
	switch {
	case fl.baselineAdd && fl.writeBaseline == "":
		return nil, usagef("--baseline-add adds new findings to the file --write-baseline writes; give --write-baseline FILE too")
	case fl.writeBaseline == format.Stdout:
		return nil, usagef("--write-baseline needs a file: standard output is for the reports")
	case fl.writeBaseline != "" && fl.partial:
		return nil, usagef("--write-baseline records the findings of the whole input, and --partial input is part of it; run it without --partial")
	case file == "" && fl.writeBaseline == "":
		return nil, nil
	}
	b := &baselineRun{read: file, write: fl.writeBaseline}
	var base *baseline.Baseline
	if file != "" {
		var err error
		base, err = baseline.Read(file)
		switch {
		case errors.Is(err, fs.ErrNotExist) && b.write != "":
			b.notices = append(b.notices, fmt.Sprintf("baseline %s does not exist yet: recording every finding", file))
		case errors.Is(err, fs.ErrNotExist):
			return nil, usagef("%v; record the current findings with meshbatch lint --write-baseline %s PATH...", err, file)
		case err != nil:
			return nil, usageError{err}
		}
	}
	// A fresh baseline records everything; rewriting one adds nothing
	// unless asked, so that a CI job cannot grow it unseen.
	add := b.write != "" && (base == nil || fl.baselineAdd)
	origin := file
	if origin == "" {
		origin = b.write
	}
	b.matcher = base.Matcher("baseline "+origin, add)
	return b, nil
}

// finish writes the baseline, unless input could not be read (its
// findings would be missing from it), and prints what happened to it.
func (b *baselineRun) finish(cmd *cobra.Command, res *lint.Result) error {
	notices := b.notices
	if b.write == "" {
		notices = append(notices, baseline.StaleNotices(b.read, res.Stale, false)...)
	}
	var err error
	switch {
	case b.write == "":
	case len(res.InputErrors) > 0:
		notices = append(notices, fmt.Sprintf("baseline %s not written: input that could not be read would be missing from it", b.write))
	default:
		rec := b.matcher.Recorded()
		if werr := format.WriteFile(b.write, rec.Write); werr != nil {
			var pe *fs.PathError
			if errors.As(werr, &pe) {
				werr = pe.Err
			}
			err = usagef("--write-baseline %s: %v", b.write, werr)
			break
		}
		msg := fmt.Sprintf("wrote baseline %s: %d findings in %d entries", b.write, rec.Findings(), len(rec.Entries))
		if n := b.matcher.Added(); n > 0 && b.read != "" {
			msg += fmt.Sprintf(", %d of them new", n)
		}
		notices = append(notices, msg)
		if n := b.matcher.NotAdded(); n > 0 {
			notices = append(notices, fmt.Sprintf("baseline %s: %d new findings not added (shown above); --baseline-add adds them", b.write, n))
		}
		notices = append(notices, baseline.StaleNotices(b.write, res.Stale, true)...)
	}
	for _, n := range notices {
		cmd.PrintErrln("meshbatch: " + format.Printable(n))
	}
	return err
}

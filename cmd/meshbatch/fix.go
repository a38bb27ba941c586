package main

import (
	"errors"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/meshbatch/meshbatch/pkg/fix"
	"github.com/meshbatch/meshbatch/pkg/lint/format"
)

func newFixCmd() *cobra.Command {
	var fl lintFlags
	var write bool
	var only []string
	cmd := &cobra.Command{
		Use:   "fix PATH...",
		Short: "Show or apply the fixes lint findings offer, as exact text edits",
		Long: `Fix lints the paths as lint does (the same config, facts, suppression and
baseline) and applies the fixes the findings offer: text edits computed from
the bytes of each file, so comments, key order, quoting, indentation and blank
lines elsewhere stay exactly as they were. A fix is offered only when it is
certain; a rule's page in docs/rules says whether and when it has one.

Fix lints again what its fixes made and applies the fixes that show up
then, in memory, until nothing changes (at most ` + strconv.Itoa(fix.DefaultRounds) + ` rounds): a fix that
another makes possible (MB205 moves an annotation to the pod template,
where MB302 can complete it) or that overlapped another is applied in the
same run. Without --write, fix prints one unified diff of the result for
each file and writes nothing; --write replaces each changed file once,
atomically (a symbolic link is followed and its target written; a
read-only file is an error and is left alone). Standard input ("-") is
shown as a diff only. Fixes still left after the last round are named:
run fix again to apply them.

--rules limits the fixes to some rules. --min-severity does not: fix
applies every fix whatever its finding's severity, and every finding
counts for --fail-on.

Some fixes depend on cluster facts (MB101's native sidecar needs Istio >=
1.24 and every kubelet >= 1.29): they are offered only where the facts are
stated. Fix counts the findings that stated facts could give a fix and
names the flags (or the same keys under facts: in .meshbatch.yaml).

Lines in fix's messages are lines of each file as it is on disk when fix
ends: without --write, and for a file that could not be written, the file
as read (a finding in text a fix adds is named at the line the text goes
in, and says so); with --write, the file as written, which is the one
you open next.

Findings in Helm charts and Kustomize directories, linted as rendered, are
not fixed: an edit of the rendered output is not one of the template or
patch it came from. Fix says how many are at or above --fail-on (they fail
the run, as findings without a fix do): edit the template or patch each
points at.

Exit codes: 0 nothing left to fix and no finding without a fix at or above
--fail-on, 1 fixes available (without --write), fixes left for another run,
or findings without a fix at or above --fail-on, 2 bad flags, bad config,
unreadable input, a file that could not be written, or a rule's fix that
failed or changes nothing (a bug in meshbatch, named with its rule and
place; the other fixes are still shown or written).`,
		Example: `  meshbatch fix deploy/                       # show the fixes as a diff
  meshbatch fix --write deploy/               # apply them
  meshbatch fix --rules MB205,MB206 --write deploy/
  meshbatch fix --istio-version 1.26 --kubelet-version 1.30 deploy/   # facts some fixes need`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("fix needs at least one PATH: a file, a directory, or - for standard input")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFix(cmd, args, fl, write, only)
		},
	}
	addInputFlags(cmd, &fl)
	f := cmd.Flags()
	// lint's flags, taken so that a command line or config file of lint
	// works here too, with help that says what they do in fix
	f.Lookup("min-severity").Usage = "ignored by fix, which applies every fix whatever its severity (--rules chooses them); taken so that lint's flags work"
	f.Lookup("fail-on").Usage = "exit 1 when a finding without a fix at or above this severity is left: error, warning, info or none"
	f.BoolVarP(&write, "write", "w", false, "apply the fixes to the files (default: print a diff)")
	f.StringSliceVar(&only, "rules", nil, "apply only the fixes of these rules, by id or slug (comma-separated or repeated)")
	return cmd
}

func runFix(cmd *cobra.Command, args []string, fl lintFlags, write bool, only []string) error {
	opts, set, _, _, err := lintOptions(cmd, fl)
	if err != nil {
		return err
	}
	for _, n := range set.notices { // a given fact over the facts file's: fixes like MB101's depend on it
		cmd.PrintErrln("meshbatch: " + format.Printable(n))
	}
	rep, err := fix.Run(cmd.Context(), args, fix.Options{
		Lint:   opts,
		Rules:  only,
		Write:  write,
		FailOn: set.failOn,
		Stdin:  cmd.InOrStdin(),
		// the flag, for the messages that say which facts would let
		// more fixes be offered
		FactName: func(key string) string { return "--" + factFlags[key].flag },
	})
	if err := rep.WriteDiff(cmd.OutOrStdout()); err != nil {
		return err
	}
	for _, m := range rep.Messages {
		cmd.PrintErrln("meshbatch: " + format.Printable(m))
	}
	switch {
	case errors.Is(err, fix.ErrUnknownRule):
		return usagef("--rules: %v", err)
	case errors.Is(err, fix.ErrBrokenFix):
		return err // a bug in meshbatch, said above: exit 2, but not the user's input
	case err != nil:
		return usageError{err}
	case rep.Failed():
		return errFindings
	}
	return nil
}

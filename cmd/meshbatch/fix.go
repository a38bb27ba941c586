package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshbatch/meshbatch/pkg/fix"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/format"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
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

Without --write, fix prints a unified diff of every fix and writes nothing;
--write replaces each changed file atomically (a read-only file is an error
and is left alone). Standard input ("-") is shown as a diff only. --rules
limits the fixes to some rules.

When two fixes edit overlapping text of a file, the first is applied and the
others are named as not applied: run fix again to apply them.

Exit codes: 0 nothing left to fix and no finding without a fix at or above
--fail-on, 1 fixes available (without --write), fixes left for another run,
or findings without a fix at or above --fail-on, 2 bad flags, bad config,
unreadable input or a file that could not be written.`,
		Example: `  meshbatch fix deploy/                       # show the fixes as a diff
  meshbatch fix --write deploy/               # apply them
  meshbatch fix --rules MB205,MB206 --write deploy/
  meshbatch fix --istio-version 1.26 --kubelet-version 1.30 deploy/   # facts some fixes need
  helm template charts/etl | meshbatch fix -  # a diff of standard input`,
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
	f.BoolVarP(&write, "write", "w", false, "apply the fixes to the files (default: print a diff)")
	f.StringSliceVar(&only, "rules", nil, "apply only the fixes of these rules, by id or slug (comma-separated or repeated)")
	return cmd
}

func runFix(cmd *cobra.Command, args []string, fl lintFlags, write bool, only []string) error {
	opts, set, _, _, err := lintOptions(cmd, fl)
	if err != nil {
		return err
	}
	var ids []string
	for _, r := range only {
		rule := checks.Lookup(strings.TrimSpace(r))
		if rule == nil {
			return usagef("--rules: unknown rule %q (meshbatch rules lists them)", r)
		}
		ids = append(ids, rule.ID)
	}
	var stdin []byte
	if slices.Contains(args, "-") {
		if write {
			return usagef("standard input cannot be written: leave out --write to see its fixes as a diff")
		}
		if stdin, err = io.ReadAll(io.LimitReader(cmd.InOrStdin(), int64(fl.maxFileSize)+1)); err != nil {
			return usagef("reading standard input: %v", err)
		}
		opts.Stdin = bytes.NewReader(stdin)
	}
	opts.Fixes = true
	res, err := lint.Run(cmd.Context(), args, opts)
	if err != nil {
		return err
	}
	for _, n := range res.Notices {
		cmd.PrintErrln("meshbatch: " + format.Printable(n))
	}
	for _, e := range res.InputErrors {
		cmd.PrintErrln("meshbatch: " + format.Printable(e.Error()))
	}
	if len(res.InputErrors) > 0 {
		return usagef("%d input path(s) could not be read", len(res.InputErrors))
	}
	var fixable []lint.Finding
	unfixed := 0 // findings at or above --fail-on that no fix of this run resolves
	for f := range res.Findings.All() {
		if f.Fix != nil && (ids == nil || slices.Contains(ids, f.RuleID)) {
			fixable = append(fixable, f)
		} else if set.failOn > 0 && f.Severity >= set.failOn {
			unfixed++
		}
	}
	files, err := fix.Plan(fixable, func(file string) ([]byte, error) {
		if file == lint.StdinName {
			return stdin, nil
		}
		return os.ReadFile(file)
	})
	if err != nil {
		return usageError{err}
	}
	applied, left := 0, 0
	var writeErrs []error
	for _, file := range files {
		applied += len(file.Applied)
		left += len(file.Overlapping)
		if !write || file.Name == lint.StdinName {
			if err := fix.Diff(cmd.OutOrStdout(), file.Name, file.Old, file.New); err != nil {
				return err
			}
			continue
		}
		if err := fix.Write(file.Name, file.New); err != nil {
			writeErrs = append(writeErrs, err)
			continue
		}
		cmd.PrintErrln(fmt.Sprintf("meshbatch: fixed %s (%s)", format.Printable(file.Name), countOf(len(file.Applied), "fix", "fixes")))
	}
	for _, file := range files {
		for _, f := range file.Overlapping {
			cmd.PrintErrln(fmt.Sprintf("meshbatch: %s:%d: %s not applied: its edits overlap another fix's; run meshbatch fix again",
				format.Printable(f.File), f.Line, f.RuleID))
		}
	}
	switch {
	case !write && applied > 0:
		cmd.PrintErrln(fmt.Sprintf("meshbatch: %s in %s; nothing written: run with --write to apply",
			countOf(applied, "fix", "fixes"), countOf(len(files), "file", "files")))
	case applied == 0 && left == 0:
		cmd.PrintErrln("meshbatch: nothing to fix")
	}
	if unfixed > 0 {
		cmd.PrintErrln(fmt.Sprintf("meshbatch: %s at or above %s %s no fix: meshbatch lint shows what to do",
			countOf(unfixed, "finding", "findings"), set.failOn, map[bool]string{true: "has", false: "have"}[unfixed == 1]))
	}
	switch {
	case len(writeErrs) > 0:
		return usageError{errors.Join(writeErrs...)}
	case !write && applied > 0, left > 0, unfixed > 0:
		return errFindings
	}
	return nil
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

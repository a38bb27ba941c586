package main

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes, the same whatever the output format.
const (
	exitOK       = 0 // nothing at or above --fail-on, generated files up to date
	exitFindings = 1 // findings at or above --fail-on, or --check found a difference
	exitUsage    = 2 // bad flags, bad config, bad job spec, unreadable input, a fix that failed
)

// errFindings means the command ran and found what it was asked to fail on;
// its output already says what.
var errFindings = errors.New("findings at or above the --fail-on threshold")

// errOutOfDate means generate --check found committed files that differ.
var errOutOfDate = errors.New("generated manifests are out of date")

// usageError wraps errors that are the user's to fix (flags, config, input).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// fixesNotBuilt is the error of a lint run in which rules failed to build
// the fixes a report carries (lint.Result.FixErrors, each said above): a
// bug in meshbatch, or a file saved while it ran, not unreadable input.
// The run exits 2, so that a report short of fixes never passes for whole.
func fixesNotBuilt(n int) error {
	if n == 1 {
		return errors.New("1 fix could not be built (said above): its finding is reported without it")
	}
	return fmt.Errorf("%d fixes could not be built (said above): their findings are reported without them", n)
}

// exitCode maps a command's error to the process exit code, printing the
// error unless the command's output already explained it.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFindings), errors.Is(err, errOutOfDate):
		return exitFindings
	}
	var ee errExit
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stderr, "meshbatch: %v\n", err)
	return exitUsage
}

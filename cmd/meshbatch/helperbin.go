package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// lookHelperBinary finds one of meshbatch's helper programs (meshbatch-facts,
// meshbatch-render): next to meshbatch first, then on PATH. The error is
// PATH's lookup error, for the caller to explain.
func lookHelperBinary(name string) (string, error) {
	file := name
	if runtime.GOOS == "windows" {
		file += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		if p := filepath.Join(filepath.Dir(self), file); isExecutable(p) {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && (runtime.GOOS == "windows" || fi.Mode()&0o111 != 0)
}

// helperExit turns how a helper program ended into meshbatch's result:
// nil, its own exit status (errExit), or what kept it from running.
func helperExit(err error, name string) error {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee) && ee.ExitCode() > 0:
		return errExit{ee.ExitCode()}
	}
	return fmt.Errorf("running %s: %v", name, err)
}

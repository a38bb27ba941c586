package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/meshbatch/meshbatch/pkg/render/engine"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

// TestMain lets the scripts run the real command as "meshbatch".
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"meshbatch": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
		// What cmd/meshbatch-render does, for the scripts that lint
		// charts and Kustomize directories (this test binary may link
		// Helm; meshbatch does not, see TestNoClientGo).
		"meshbatch-render": func() {
			if err := engine.Serve(context.Background(), os.Stdin, os.Stdout); err != nil {
				fmt.Fprintln(os.Stderr, "meshbatch-render:", err)
				os.Exit(2)
			}
			os.Exit(0)
		},
		// A stand-in for cmd/meshbatch-facts (which links client-go), for
		// the tests of lint --cluster's errors: see fakeFacts.
		factsBinary: fakeFactsMain,
	})
}

// TestScript runs the end-to-end CLI scripts in testdata/script.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}

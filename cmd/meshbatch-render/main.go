// Command meshbatch-render renders Helm charts and builds Kustomize
// directories for meshbatch lint, offline. meshbatch runs it when its
// input holds a chart or a kustomization: it is a binary of its own so
// that Helm and Kustomize (and the client-go they bring) never load into
// meshbatch's other commands, nor into a lint of plain files.
//
// It reads a render.Request as JSON on standard input and writes a
// render.Response as JSON on standard output. Render errors are in the
// response; the exit code is 2 only when the request cannot be read or
// the response written.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/meshbatch/meshbatch/pkg/render/engine"
)

// version is set by the release build, like meshbatch's.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 && args[0] == "--version" {
		fmt.Fprintln(stdout, "meshbatch-render", version)
		return 0
	}
	if len(args) > 0 {
		fmt.Fprintln(stderr, "meshbatch-render: takes no arguments; meshbatch lint runs it with a request on standard input")
		return 2
	}
	offline()
	if err := engine.Serve(ctx, stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "meshbatch-render: %v\n", err)
		return 2
	}
	return 0
}

// offline makes whatever the libraries might still fetch fail at once
// rather than hang: remote references are refused before a build (see
// render.RemoteRefs), and this is the second line. git may use only local
// repositories and never prompts; HTTP goes to a proxy on a port nothing
// listens on, so a request is refused in microseconds.
func offline() {
	for k, v := range map[string]string{
		"GIT_ALLOW_PROTOCOL":  "file",
		"GIT_TERMINAL_PROMPT": "0",
		"HTTP_PROXY":          "http://127.0.0.1:9",
		"HTTPS_PROXY":         "http://127.0.0.1:9",
		"NO_PROXY":            "",
	} {
		_ = os.Setenv(k, v)
	}
}

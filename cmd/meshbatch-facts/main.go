// Command meshbatch-facts reads a cluster's facts for meshbatch lint,
// read-only, through client-go. `meshbatch facts` runs it: it is a binary
// of its own so that client-go, whose API scheme costs milliseconds at
// every process start, never loads into meshbatch's other commands.
//
//	meshbatch-facts [--kubeconfig FILE] [--context NAME] [-o FILE]
//	meshbatch-facts --list [--kubeconfig FILE] [--context NAME] [-n NS]...
//
// With --list it writes, for `meshbatch lint --cluster`, the context's
// name, the facts and then every object lint reads, page by page as the
// API server returns them, as a stream (pkg/livestream) on stdout.
//
// The kubeconfig is found as kubectl finds it: --kubeconfig, else
// KUBECONFIG, else ~/.kube/config, else the in-cluster service account.
// The output holds the context's name and nothing else of the kubeconfig.
package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"

	"github.com/meshbatch/meshbatch/pkg/clusterfacts"
	"github.com/meshbatch/meshbatch/pkg/livestream"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// version is set by the release build, like meshbatch's.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now)
	stop()
	os.Exit(code)
}

// Exit codes, as meshbatch's: 0 done (perhaps with parts left out, said on
// stderr), 2 bad flags, no cluster to talk to, or the output not written.
const (
	exitOK    = 0
	exitUsage = 2
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	fs := pflag.NewFlagSet("meshbatch facts", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the in-cluster service account)")
	kubeContext := fs.String("context", "", "kubeconfig context (default: the current context)")
	output := fs.StringP("output", "o", "", "write the facts to this file instead of standard output")
	showVersion := fs.Bool("version", false, "print the version")
	listObjects := fs.Bool("list", false, "write the facts and every object lint reads as a stream for meshbatch lint --cluster")
	namespaces := fs.StringArrayP("namespace", "n", nil, "with --list, list only in this namespace (repeatable; default every namespace)")
	pageSize := fs.Int("page-size", 500, "with --list, objects per list request")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	// Messages name the command the user ran: --list is lint --cluster's.
	prog := "meshbatch facts"
	if *listObjects {
		prog = "meshbatch lint --cluster"
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, prog+": unexpected argument %q: the cluster is chosen with --kubeconfig and --context\n", fs.Arg(0))
		return exitUsage
	}
	if *showVersion {
		fmt.Fprintln(stdout, "meshbatch-facts "+version)
		return exitOK
	}
	cfg, contextName, err := clientConfig(*kubeconfig, *kubeContext)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return exitUsage
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return exitUsage
	}
	// A cluster that cannot be reached is an error, not a run whose every
	// read is left out.
	if err := clusterfacts.CheckReachable(ctx, cs, contextName, kubectlFor(*kubeconfig, *kubeContext)); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return exitUsage
	}
	if *listObjects {
		if *output != "" {
			fmt.Fprintln(stderr, prog+": --list writes to standard output; -o does not apply")
			return exitUsage
		}
		return runList(ctx, cs, contextName, clusterfacts.ListOptions{Namespaces: *namespaces, PageSize: *pageSize}, stdout, stderr, now, prog)
	}
	ff, notes := clusterfacts.Read(ctx, cs)
	for _, n := range notes {
		fmt.Fprintln(stderr, "meshbatch facts: "+n)
	}
	out := ff.Marshal(fmt.Sprintf("meshbatch facts from context %s, %s", contextName, now().UTC().Format(time.RFC3339)))
	if *output == "" {
		if _, err := stdout.Write(out); err != nil {
			fmt.Fprintf(stderr, "meshbatch facts: writing the facts: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	if err := writeFile(*output, out); err != nil {
		fmt.Fprintf(stderr, "meshbatch facts: -o %s: %v\n", *output, err)
		return exitUsage
	}
	return exitOK
}

// runList writes the stream lint --cluster reads: the context, the
// facts, Read's notes, every page, and the end.
func runList(ctx context.Context, cs kubernetes.Interface, contextName string, opts clusterfacts.ListOptions, stdout, stderr io.Writer, now func() time.Time, prog string) int {
	w := livestream.NewWriter(stdout)
	ff, notes := clusterfacts.Read(ctx, cs)
	err := w.Frame(livestream.TypeContext, []byte(contextName))
	if err == nil {
		err = w.Frame(livestream.TypeFacts, ff.Marshal(fmt.Sprintf("meshbatch facts from context %s, %s", contextName, now().UTC().Format(time.RFC3339))))
	}
	for _, n := range notes {
		if err == nil {
			err = w.Frame(livestream.TypeNote, []byte(n))
		}
	}
	if len(opts.Namespaces) > 0 {
		// The mesh-wide policies of the root namespace apply to the
		// namespaces asked for.
		root := cmp.Or(ff.Facts.RootNamespace, mesh.DefaultRootNamespace)
		if !slices.Contains(opts.Namespaces, root) {
			opts.Namespaces = append(slices.Clone(opts.Namespaces), root)
		}
	}
	if err == nil {
		err = clusterfacts.List(ctx, cs, opts, w)
	}
	if err == nil {
		err = w.Frame(livestream.TypeEnd, nil)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: listing the cluster: %v\n", prog, err)
		return exitUsage
	}
	return exitOK
}

// writeFile replaces file atomically: a reader never sees half a file.
func writeFile(file string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

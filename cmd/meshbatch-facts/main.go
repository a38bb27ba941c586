// Command meshbatch-facts reads a cluster's facts for meshbatch lint,
// read-only, through client-go. `meshbatch facts` runs it: it is a binary
// of its own so that client-go, whose API scheme costs milliseconds at
// every process start, never loads into meshbatch's other commands.
//
//	meshbatch-facts [--kubeconfig FILE] [--context NAME] [-o FILE]
//
// The kubeconfig is found as kubectl finds it: --kubeconfig, else
// KUBECONFIG, else ~/.kube/config, else the in-cluster service account.
// The output holds the context's name and nothing else of the kubeconfig.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/meshbatch/meshbatch/pkg/clusterfacts"
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
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "meshbatch facts: unexpected argument %q: the cluster is chosen with --kubeconfig and --context\n", fs.Arg(0))
		return exitUsage
	}
	if *showVersion {
		fmt.Fprintln(stdout, "meshbatch-facts "+version)
		return exitOK
	}
	cfg, contextName, err := clientConfig(*kubeconfig, *kubeContext)
	if err != nil {
		fmt.Fprintf(stderr, "meshbatch facts: %v\n", err)
		return exitUsage
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "meshbatch facts: %v\n", err)
		return exitUsage
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

// clientConfig loads the client configuration with kubectl's rules and
// returns the name of the context in use ("in-cluster" for the service
// account's).
func clientConfig(kubeconfig, kubeContext string) (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := loader.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, "", errors.New("no cluster to read: no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod")
		}
		return nil, "", err
	}
	name := "in-cluster"
	if raw, err := loader.RawConfig(); err == nil && len(raw.Contexts) > 0 {
		name = raw.CurrentContext
		if kubeContext != "" {
			name = kubeContext
		}
	}
	cfg.UserAgent = "meshbatch-facts/" + version
	cfg.QPS, cfg.Burst = 20, 40
	cfg.Timeout = 30 * time.Second
	return cfg, name, nil
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

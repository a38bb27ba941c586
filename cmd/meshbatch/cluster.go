package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/format"
	"github.com/meshbatch/meshbatch/pkg/livestream"
)

// clusterFlags are lint's flags for a live cluster.
type clusterFlags struct {
	enabled       bool
	kubeconfig    string
	context       string
	namespaces    []string
	allNamespaces bool
	// stream is a file meshbatch-facts --list wrote, read instead of
	// running it: a snapshot linted again, and the benchmark's way to time
	// the rules apart from the listing.
	stream string
}

// clusterRun is a running meshbatch-facts --list and the stream it
// writes.
type clusterRun struct {
	src    *livestream.Source
	facts  *config.FactsFile
	proc   *exec.Cmd
	cancel context.CancelFunc
	// failed counts the input errors finish added: what of the cluster
	// could not be read.
	failed int
}

// startCluster runs meshbatch-facts --list and reads the stream up to its
// first page: the context and the facts, which lint needs before it
// lints anything. Its notes go to stderr as they come.
func startCluster(cmd *cobra.Command, cf clusterFlags) (*clusterRun, error) {
	if cf.stream != "" {
		return openClusterStream(cmd, cf.stream)
	}
	bin, err := findFactsBinary("lint --cluster")
	if err != nil {
		return nil, usageError{err}
	}
	args := []string{"--list"}
	if cf.kubeconfig != "" {
		args = append(args, "--kubeconfig", cf.kubeconfig)
	}
	if cf.context != "" {
		args = append(args, "--context", cf.context)
	}
	for _, ns := range cf.namespaces {
		args = append(args, "--namespace", ns)
	}
	ctx, cancel := context.WithCancel(cmd.Context())
	c := exec.CommandContext(ctx, bin, args...)
	c.Stderr = cmd.ErrOrStderr()
	out, err := c.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := c.Start(); err != nil {
		cancel()
		return nil, usagef("lint --cluster: cannot run %s: %v", bin, err)
	}
	run := &clusterRun{proc: c, cancel: cancel}
	src, err := livestream.Open(out, clusterNote(cmd))
	if err != nil {
		if werr := run.wait(); werr != nil {
			return nil, werr // meshbatch-facts said why on stderr
		}
		return nil, usagef("lint --cluster: %s wrote no cluster stream: %v", bin, err)
	}
	run.src = src
	if err := run.parseFacts(); err != nil {
		run.stop()
		return nil, err
	}
	return run, nil
}

func (r *clusterRun) parseFacts() error {
	var err error
	r.facts, err = config.ParseFacts("the facts of cluster "+r.src.Context, r.src.Facts)
	if err != nil {
		return usagef("lint --cluster: %v", err)
	}
	return nil
}

// openClusterStream reads a stream meshbatch-facts --list wrote to a file.
func openClusterStream(cmd *cobra.Command, file string) (*clusterRun, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, usagef("--cluster-stream: %v", err)
	}
	run := &clusterRun{cancel: func() { f.Close() }}
	run.src, err = livestream.Open(f, clusterNote(cmd))
	if err != nil {
		f.Close()
		return nil, usagef("--cluster-stream %s: %v", file, err)
	}
	if err := run.parseFacts(); err != nil {
		f.Close()
		return nil, err
	}
	return run, nil
}

// clusterNote prints a note of the cluster stream on stderr.
func clusterNote(cmd *cobra.Command) func(context, note string) {
	return func(context, note string) {
		cmd.PrintErrln(format.Printable("meshbatch: cluster " + context + ": " + note))
	}
}

// live is the lint input the run streams.
func (r *clusterRun) live() *lint.LiveSource {
	return &lint.LiveSource{Context: r.src.Context, Next: r.src.Next}
}

// finish waits for meshbatch-facts and adds the lists that failed to the
// result's input errors: a cluster linted in part exits 2, as an
// unreadable file does.
func (r *clusterRun) finish(res *lint.Result) error {
	err := r.wait()
	failed := slices.Clone(r.src.Errors())
	var ee errExit
	if errors.As(err, &ee) {
		failed = append(failed, fmt.Errorf("cluster %s: meshbatch-facts exited with status %d", r.src.Context, ee.code))
		err = nil
	}
	res.InputErrors = append(res.InputErrors, failed...)
	r.failed = len(failed)
	return err
}

// incomplete is the error of a run whose input was read in part: files
// that could not be read, the cluster's lists that failed, or both.
func incomplete(res *lint.Result, cluster *clusterRun) error {
	var parts []string
	files := len(res.InputErrors)
	if cluster != nil && cluster.failed > 0 {
		files -= cluster.failed
		parts = append(parts, fmt.Sprintf("cluster %s was read in part (said above): the report leaves out what could not be listed", cluster.src.Context))
	}
	if files > 0 {
		parts = append(parts, fmt.Sprintf("%d input path(s) could not be read", files))
	}
	return usagef("%s", strings.Join(parts, "; "))
}

// wait waits for meshbatch-facts: errExit when it failed.
func (r *clusterRun) wait() error {
	if r.proc == nil {
		r.cancel()
		return nil
	}
	err := r.proc.Wait()
	r.cancel()
	return helperExit(err, "meshbatch-facts")
}

// stop ends meshbatch-facts early (a bad setting, an interrupted run).
func (r *clusterRun) stop() {
	r.cancel()
	if r.proc != nil {
		_ = r.proc.Wait()
	}
}

// checkClusterFlags rejects what does not go with --cluster, or needs it.
func checkClusterFlags(cmd *cobra.Command, cf clusterFlags) error {
	f := cmd.Flags()
	if !cf.enabled {
		for _, name := range []string{"kubeconfig", "context", "namespace", "all-namespaces", "cluster-stream"} {
			if f.Changed(name) {
				return usagef("--%s reads a cluster: add --cluster", name)
			}
		}
		return nil
	}
	if len(cf.namespaces) > 0 && cf.allNamespaces {
		return usagef("--namespace and --all-namespaces: give one (every namespace is the default)")
	}
	if _, ok := os.LookupEnv(factsFileEnv); f.Changed(factsFileFlag) || ok {
		return usagef("--cluster reads the cluster's facts: drop --facts (or %s); facts given as flags still win", factsFileEnv)
	}
	return nil
}

package main

import (
	"fmt"
	"os/exec"

	"github.com/spf13/cobra"
)

// factsBinary is the program that reads a cluster (cmd/meshbatch-facts).
// It links client-go, whose API scheme costs milliseconds at every
// process start; meshbatch itself never does (TestNoClientGo), so that
// lint and version start as fast as before.
const factsBinary = "meshbatch-facts"

// errExit carries the exit code of a program meshbatch ran, whose output
// already said what went wrong.
type errExit struct{ code int }

func (e errExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newFactsCmd() *cobra.Command {
	var kubeconfig, kubeContext, output string
	cmd := &cobra.Command{
		Use:   "facts [--kubeconfig FILE] [--context NAME] [-o FILE]",
		Short: "Read a cluster's facts for lint, read-only",
		Long: `Facts reads, from a live cluster, what lint cannot see in manifests: the API
server's and the oldest kubelet's versions, every Istio revision (istiod's
version, ENABLE_NATIVE_SIDECARS, PILOT_ENABLE_IP_AUTOALLOCATE,
MAX_WORKLOAD_CERT_TTL, the mesh config, the injector's default proxy
resources), the revision tags, ambient mode, the mesh root certificate's expiry
(ConfigMap istio-ca-root-cert), and every namespace's resolved dataplane
(sidecar with its revision, ambient, none or disabled). It prints
them as YAML that lint --facts, generate --facts and the config key factsFile
read: run it once, commit the file, and lint offline everywhere.

It only gets and lists (deploy/rbac/meshbatch-reader.yaml is all it needs), and
never writes to the cluster. What it may not read is said on stderr and left
out; it still succeeds. The output holds no credential and nothing of the
kubeconfig but the context's name.

The kubeconfig is found as kubectl finds it: --kubeconfig, else KUBECONFIG,
else ~/.kube/config, else the in-cluster service account.

Facts is the separate program meshbatch-facts, installed next to meshbatch
(make build, the release archives, go install ./cmd/...).

Exit codes: 0 done (perhaps with parts left out), 2 bad flags, no cluster to
read, or the output not written.`,
		Example: `  meshbatch facts > .meshbatch-facts.yaml
  meshbatch facts --context prod-eu -o .meshbatch-facts.yaml
  meshbatch lint --facts .meshbatch-facts.yaml deploy/`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("facts: unexpected argument %q: the cluster is chosen with --kubeconfig and --context", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			var args []string
			if kubeconfig != "" {
				args = append(args, "--kubeconfig", kubeconfig)
			}
			if kubeContext != "" {
				args = append(args, "--context", kubeContext)
			}
			if output != "" {
				args = append(args, "--output", output)
			}
			return runFacts(cmd, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the in-cluster service account)")
	f.StringVar(&kubeContext, "context", "", "kubeconfig context (default: the current context)")
	f.StringVarP(&output, "output", "o", "", "write the facts to this file instead of standard output")
	return cmd
}

// runFacts runs meshbatch-facts with the command's streams.
func runFacts(cmd *cobra.Command, args []string) error {
	bin, err := findFactsBinary("facts")
	if err != nil {
		return usageError{err}
	}
	c := exec.CommandContext(cmd.Context(), bin, args...)
	c.Stdin, c.Stdout, c.Stderr = nil, cmd.OutOrStdout(), cmd.ErrOrStderr()
	return helperExit(c.Run(), bin)
}

// findFactsBinary looks next to meshbatch first, then on PATH; command
// names, in the error, the meshbatch command that needs it.
func findFactsBinary(command string) (string, error) {
	if p, err := lookHelperBinary(factsBinary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s runs %s, which is neither next to meshbatch nor on PATH: "+
		"install it with `go install github.com/meshbatch/meshbatch/cmd/meshbatch-facts@%s` "+
		"(make build puts it in bin/, the release archives hold it)", command, factsBinary, installVersion())
}

// installVersion is the version to name in go install hints.
func installVersion() string {
	if version == "dev" || version == "" {
		return "latest"
	}
	return version
}

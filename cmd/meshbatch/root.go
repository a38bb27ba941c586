package main

import (
	"io"

	"github.com/spf13/cobra"
)

// streams are the command's standard input and outputs; tests pass buffers.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

func newRootCmd(s streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "meshbatch",
		Short: "Generate and lint Kubernetes batch jobs for an Istio mesh with STRICT mTLS",
		Long: `meshbatch makes Kubernetes Jobs and CronJobs work in an Istio mesh with STRICT mTLS.

  meshbatch generate  expands a short job spec into every manifest the job needs
  meshbatch lint      finds batch lifecycle and mTLS mistakes in existing manifests
  meshbatch lint --cluster  does the same for the objects of a live cluster, read-only
  meshbatch fix       shows or applies the fixes lint findings offer, as exact text edits
  meshbatch facts     reads a cluster's facts once, for lint to use offline
  meshbatch rules     lists the lint rules and explains each one`,
		Example: `  meshbatch generate -f examples/etl-daily.yaml | meshbatch lint -
  meshbatch lint --fail-on warning deploy/
  meshbatch rules explain MB101`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("meshbatch {{.Version}}\n")
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newGenerateCmd(),
		newLintCmd(),
		newFixCmd(),
		newFactsCmd(),
		newRulesCmd(),
		newCompletionCmd(),
		newVersionCmd(),
		newDocsCmd(),
	)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and build date",
		Example: "  meshbatch version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), "meshbatch "+version+" (commit "+commit+", built "+date+")\n")
			return err
		},
	}
}

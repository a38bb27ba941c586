package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/generate"
	"github.com/meshbatch/meshbatch/pkg/lint"
)

func newGenerateCmd() *cobra.Command {
	var opts generate.Options
	cmd := &cobra.Command{
		Use:   "generate -f SPEC [-o DIR [--check] [--force]]",
		Short: "Generate the manifests of a batch job from a job spec",
		Long: `Generate expands a job spec (kind: BatchJob, see docs/jobspec.md) into every
manifest the job needs in an Istio mesh with STRICT mTLS: Namespace,
ServiceAccount, PeerAuthentication, AuthorizationPolicies, DestinationRules,
ServiceEntries, Sidecar, and the Job or CronJob.

Without -o the manifests go to standard output as one YAML stream. With -o DIR
each object is written to its own file, atomically; files the spec no longer
produces are removed, and files meshbatch did not generate, or generated from
another spec, are never overwritten unless --force. The jobs of one namespace
share its Namespace and PeerAuthentication files, which name every spec that
generates them. With --check nothing is written: the command prints a diff and
exits 1 when DIR is out of date.

With --facts, a facts file written by meshbatch facts fills the spec.mesh fields
the spec leaves out (istioVersion, kubernetesVersion, trustDomain) with those of
the revision that serves the job's namespace, and stderr says which. The cluster
facts the spec gives (or --facts filled in) are written on the job's objects in
the annotation meshbatch.dev/facts, which lint reads: linting the generated
files, also a few of them in pre-commit, gives the verdicts of linting with
those facts.

Exit codes: 0 done (or up to date), 1 --check found differences,
2 bad flags, a bad job spec (nothing is written) or an I/O error.`,
		Example: `  meshbatch generate -f etl-daily.yaml
  envsubst < etl-daily.yaml.tmpl | meshbatch generate -f -
  meshbatch generate -f etl-daily.yaml -o deploy/etl-daily/
  meshbatch generate -f etl-daily.yaml -o deploy/etl-daily/ --check
  meshbatch generate -f etl-daily.yaml --facts .meshbatch-facts.yaml   # versions from the cluster`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("generate: pass the job spec with -f: meshbatch generate -f %s", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Stdin, opts.Stdout, opts.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			return runGenerate(cmd, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.SpecFile, "file", "f", "", "the job spec (required; - reads it from standard input, without -o)")
	f.StringVarP(&opts.OutDir, "output-dir", "o", "", "write one file per object into this directory instead of standard output")
	f.BoolVar(&opts.Check, "check", false, "with -o: write nothing; print a diff and exit 1 if the directory is out of date")
	f.BoolVar(&opts.Force, "force", false, "with -o: overwrite files that meshbatch did not generate, or generated from another spec")
	f.StringVar(&opts.FactsFile, "facts", "", "facts file written by meshbatch facts: fills the spec.mesh versions and trust domain the spec leaves out (said on stderr)")
	return cmd
}

func runGenerate(cmd *cobra.Command, opts generate.Options) error {
	if opts.SpecFile == "" {
		return usagef("generate: pass the job spec with -f FILE")
	}
	if opts.Check && opts.OutDir == "" {
		return usagef("generate: --check compares a directory: pass -o DIR")
	}
	if opts.Force && opts.OutDir == "" {
		return usagef("generate: --force is about files in a directory: pass -o DIR, or drop --force")
	}
	if opts.SpecFile == "-" && opts.OutDir != "" {
		return usagef("generate: -o names the spec file in every file it writes: pass the spec as a file, not -f -")
	}
	if opts.FactsFile != "" {
		ff, err := config.LoadFacts(opts.FactsFile)
		if err != nil {
			return usageError{err}
		}
		facts, err := ff.Mesh(lint.RawFacts{}, func(string) bool { return false })
		if err != nil {
			return usageError{fmt.Errorf("%s: %v", opts.FactsFile, err)}
		}
		opts.Facts = &facts
	}
	err := generate.Run(opts)
	var specErr *generate.SpecError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &specErr):
		for _, p := range specErr.Problems {
			cmd.PrintErrln(p.String())
		}
		problems := "1 problem"
		if n := len(specErr.Problems); n != 1 {
			problems = fmt.Sprintf("%d problems", n)
		}
		return usageError{fmt.Errorf("%s: %s in the job spec; nothing was written", specErr.File, problems)}
	case errors.Is(err, generate.ErrOutOfDate):
		return errOutOfDate
	}
	return usageError{err}
}

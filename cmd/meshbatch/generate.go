package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/generate"
	"github.com/meshbatch/meshbatch/pkg/lint"
)

func newGenerateCmd() *cobra.Command {
	var opts generate.Options
	cmd := &cobra.Command{
		Use:   "generate -f SPEC... [-o DIR [--check] [--force]]",
		Short: "Generate the manifests of batch jobs from job specs",
		Long: `Generate expands a job spec (kind: BatchJob, see docs/jobspec.md) into every
manifest the job needs in an Istio mesh with STRICT mTLS: Namespace,
ServiceAccount, PeerAuthentication, AuthorizationPolicies, DestinationRules,
ServiceEntries, Sidecar, and the Job or CronJob.

Several specs make one run: repeat -f, give a directory (its .yaml and .yml
files, not those of its subdirectories), or list more spec files after the
flags (so -f specs/*.yaml works). Their manifests go out together, the
Namespace and PeerAuthentication the jobs of a namespace share once, in the
same order whatever the order of the specs. Specs whose manifests cannot be
applied together are refused, naming both: two jobs claiming one
ServiceAccount, one Job name, or two DestinationRules for one host in one
namespace. Every bad spec is reported, and nothing is written.

Without -o the manifests go to standard output as one YAML stream. With -o DIR
each object is written to its own file, atomically; files the specs no longer
produce are removed, and files meshbatch did not generate, or generated from
another spec, are never overwritten unless --force. The jobs of one namespace
share its Namespace and PeerAuthentication files, which name every spec that
generates them. With --check nothing is written: the command prints a diff and
exits 1 when DIR is out of date.

With --facts, a facts file written by meshbatch facts fills the spec.mesh fields
the spec leaves out (istioVersion, kubernetesVersion, kubeletVersion, trustDomain) with those of
the revision that serves the job's namespace, and stderr says which. The cluster
facts the spec gives (or --facts filled in) are written on the job's objects in
the annotation meshbatch.dev/facts, which lint reads: linting the generated
files, also a few of them in pre-commit, gives the verdicts of linting with
those facts.

Exit codes: 0 done (or up to date), 1 --check found differences,
2 bad flags, a bad job spec or specs that conflict (nothing is written) or an
I/O error.`,
		Example: `  meshbatch generate -f etl-daily.yaml
  envsubst < etl-daily.yaml.tmpl | meshbatch generate -f -
  meshbatch generate -f etl-daily.yaml -o deploy/etl-daily/
  meshbatch generate -f specs/ -o deploy/ --check
  meshbatch generate -f specs/*.yaml -o deploy/
  meshbatch generate -f etl-daily.yaml --facts .meshbatch-facts.yaml   # versions from the cluster`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Stdin, opts.Stdout, opts.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			if len(args) > 0 && len(opts.Specs) == 0 {
				return usagef("generate: pass the job spec with -f: meshbatch generate -f %s", args[0])
			}
			opts.Specs = append(opts.Specs, args...) // -f specs/*.yaml: the shell's other names
			return runGenerate(cmd, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&opts.Specs, "file", "f", nil, "a job spec, or a directory of them (required; repeatable; - reads one from standard input, without -o)")
	f.StringVarP(&opts.OutDir, "output-dir", "o", "", "write one file per object into this directory instead of standard output")
	f.BoolVar(&opts.Check, "check", false, "with -o: write nothing; print a diff and exit 1 if the directory is out of date")
	f.BoolVar(&opts.Force, "force", false, "with -o: overwrite files that meshbatch did not generate, or generated from another spec")
	f.StringVar(&opts.FactsFile, "facts", "", "facts file written by meshbatch facts: fills the spec.mesh versions and trust domain the spec leaves out (said on stderr)")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml") // directories complete too
	_ = cmd.MarkFlagDirname("output-dir")
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
	}
	return cmd
}

func runGenerate(cmd *cobra.Command, opts generate.Options) error {
	if len(opts.Specs) == 0 {
		return usagef("generate: pass the job spec with -f FILE")
	}
	if opts.Check && opts.OutDir == "" {
		return usagef("generate: --check compares a directory: pass -o DIR")
	}
	if opts.Force && opts.OutDir == "" {
		return usagef("generate: --force is about files in a directory: pass -o DIR, or drop --force")
	}
	if slices.Contains(opts.Specs, "-") && opts.OutDir != "" {
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
	var specErrs generate.SpecErrors
	var conflict *generate.ConflictError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &specErr):
		printProblems(cmd, specErr)
		return usageError{fmt.Errorf("%s: %s in the job spec; nothing was written", specErr.File, countProblems(len(specErr.Problems)))}
	case errors.As(err, &specErrs):
		n := 0
		for _, se := range specErrs {
			printProblems(cmd, se)
			n += len(se.Problems)
		}
		return usageError{fmt.Errorf("%s in %d job specs; nothing was written", countProblems(n), len(specErrs))}
	case errors.As(err, &conflict):
		for _, c := range conflict.Conflicts {
			cmd.PrintErrln(c)
		}
		return usageError{fmt.Errorf("the job specs conflict; nothing was written")}
	case errors.Is(err, generate.ErrOutOfDate):
		return errOutOfDate
	}
	return usageError{err}
}

func printProblems(cmd *cobra.Command, se *generate.SpecError) {
	for _, p := range se.Problems {
		cmd.PrintErrln(p.String())
	}
}

func countProblems(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}

package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/format"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

type lintFlags struct {
	facts           lint.RawFacts
	failOn          string
	minSeverity     string
	format          string
	partial         bool
	noInlineIgnores bool
	maxFileSize     int64
}

func newLintCmd() *cobra.Command {
	var fl lintFlags
	cmd := &cobra.Command{
		Use:   "lint PATH...",
		Short: "Check manifests for batch lifecycle and mTLS problems",
		Long: `Lint reads Kubernetes and Istio manifests from files, directories (recursively:
.yaml, .yml and .json) and standard input ("-"), and reports the mistakes that
break batch jobs in a STRICT-mTLS mesh, each with file:line, rule id, severity
and the fix.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above --fail-on,
2 bad flags or unreadable input.`,
		Example: `  meshbatch lint deploy/
  helm template charts/etl | meshbatch lint -
  meshbatch lint --istio-version 1.28 --kubernetes-version 1.31 --fail-on warning k8s/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd, args, fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.facts.IstioVersion, "istio-version", "", "Istio version of the cluster (e.g. 1.28)")
	f.StringVar(&fl.facts.KubernetesVersion, "kubernetes-version", "", "Kubernetes version of the cluster (e.g. 1.31)")
	f.StringVar(&fl.facts.NativeSidecars, "native-sidecars", "", "istiod ENABLE_NATIVE_SIDECARS: true, false or auto")
	f.StringVar(&fl.facts.OutboundPolicy, "outbound-policy", "", "mesh outboundTrafficPolicy: ALLOW_ANY or REGISTRY_ONLY")
	f.StringVar(&fl.facts.RootNamespace, "root-namespace", "", "mesh root namespace (default istio-system)")
	f.StringVar(&fl.facts.TrustDomain, "trust-domain", "", "mesh trust domain (default cluster.local)")
	f.StringSliceVar(&fl.facts.TrustDomainAliases, "trust-domain-alias", nil, "mesh trust domain alias (repeatable)")
	f.StringVar(&fl.facts.MaxCertTTL, "max-cert-ttl", "", "istiod MAX_WORKLOAD_CERT_TTL (default 90d)")
	f.StringVar(&fl.facts.HoldApplication, "hold-application", "", "mesh-wide holdApplicationUntilProxyStarts: true or false")
	f.StringVar(&fl.failOn, "fail-on", "error", "exit 1 when a finding at or above this severity is shown: error, warning, info or none")
	f.StringVar(&fl.minSeverity, "min-severity", "info", "show findings at or above this severity: error, warning or info")
	f.StringVarP(&fl.format, "format", "f", "text", "output format: "+strings.Join(format.Names(), ", "))
	f.BoolVar(&fl.partial, "partial", false, "the input is only part of the manifests (pre-commit): rules stay silent about objects they cannot see")
	f.BoolVar(&fl.noInlineIgnores, "no-inline-ignores", false, "ignore meshbatch.dev/ignore annotations (for audits)")
	f.Int64Var(&fl.maxFileSize, "max-file-size", 0, "largest file to read, in bytes (default 64 MiB)")
	return cmd
}

func runLint(cmd *cobra.Command, args []string, fl lintFlags) error {
	facts, err := fl.facts.Parse()
	if err != nil {
		return usageError{err}
	}
	failOn, err := parseThreshold(fl.failOn, true)
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	minSev, err := parseThreshold(fl.minSeverity, false)
	if err != nil {
		return usagef("--min-severity: %v", err)
	}
	formatter, err := format.New(fl.format, format.Options{Color: colorOK(cmd), Version: version})
	if err != nil {
		return usagef("--format: %v", err)
	}
	opts := lint.Options{
		Facts:           facts,
		Partial:         fl.partial,
		NoInlineIgnores: fl.noInlineIgnores,
		Stdin:           cmd.InOrStdin(),
	}
	opts.Limits.MaxFileBytes = fl.maxFileSize
	res, err := lint.Run(cmd.Context(), args, opts)
	if err != nil {
		return err
	}
	failed := failOn > 0 && res.Worst() >= failOn
	res.Findings = lint.FilterMinSeverity(res.Findings, minSev)
	if err := formatter.Format(cmd.OutOrStdout(), res); err != nil {
		return err
	}
	for _, e := range res.InputErrors {
		cmd.PrintErrln("meshbatch: " + e.Error())
	}
	if len(res.InputErrors) > 0 {
		return usagef("%d input path(s) could not be read", len(res.InputErrors))
	}
	if failed {
		return errFindings
	}
	return nil
}

// parseThreshold reads a severity; "none" (allowed for --fail-on) is 0.
func parseThreshold(s string, allowNone bool) (rules.Severity, error) {
	if allowNone && strings.EqualFold(s, "none") {
		return 0, nil
	}
	return rules.ParseSeverity(s)
}

// colorOK reports whether to colour output: only on a terminal, and never
// when NO_COLOR is set (https://no-color.org).
func colorOK(cmd *cobra.Command) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	f, ok := cmd.OutOrStdout().(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

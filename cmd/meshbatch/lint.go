package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/generate"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/format"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/render"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// lintFlags are the flags that are not settings (settings, bound to the
// config file and MESHBATCH_* variables, are read through resolveSettings).
type lintFlags struct {
	config           string
	noConfig         bool
	outputs          []string
	suppress         []string
	exclude          []string
	partial          bool
	noInlineIgnores  bool
	skipNonManifests bool
	noBaseline       bool
	writeBaseline    string
	baselineAdd      bool
	maxFileSize      byteSize
	maxDepth         positiveInt
	maxNodes         positiveInt
	values           []string
	set              []string
	cluster          clusterFlags
	now              string
}

// limitHints name, in the messages of inputs that hit a limit, the flag
// that gets past it.
var limitHints = map[manifest.Limit]string{
	manifest.LimitFileSize:    "--max-file-size",
	manifest.LimitNodes:       "--max-nodes",
	manifest.LimitNonManifest: "lint --skip-non-manifests",
}

func newLintCmd() *cobra.Command {
	var fl lintFlags
	cmd := &cobra.Command{
		Use:   "lint PATH... | lint --cluster [PATH...]",
		Short: "Check manifests for batch lifecycle and mTLS problems",
		Long: `Lint reads Kubernetes and Istio manifests from files, directories (recursively:
.yaml, .yml and .json files, skipping hidden directories such as .git) and
standard input ("-"), and reports the mistakes that break batch jobs in a
STRICT-mTLS mesh, each with file:line, rule id, severity and the fix. A
directory that holds none of these files is named on stderr (the exit code
does not change), and a file reached twice is read once. Paths that match
exclude: in .meshbatch.yaml or --exclude are not read; a file named on the
command line that matches is named on stderr.

A directory holding Chart.yaml (a Helm chart) or a kustomization file
(kustomization.yaml, .yml or Kustomization) is linted as rendered, not as
its raw files, wherever the walk finds it: the chart with its values.yaml,
then the files of charts: in .meshbatch.yaml, then --values and --set; the
Kustomize directory as kustomize build builds it, offline (a remote base
is an error). Findings point at the template, the patch or the resource
file that causes them; render errors are MB001 findings on the chart. A
Kustomize base that overlays in the input use is linted through them, and
said on stderr. A file named on the command line inside a chart or a
Kustomize directory (a changed template, values file or patch) lints the
directory it belongs to. Rendering runs meshbatch-render, installed next
to meshbatch (docs/charts.md).

Settings come from flags, then MESHBATCH_* environment variables (--fail-on is
MESHBATCH_FAIL_ON), then .meshbatch.yaml (found in the working directory or a
parent, or given with --config), then the defaults. A facts file written by
meshbatch facts (--facts, or factsFile in .meshbatch.yaml) comes below all of
them: it gives the cluster facts nothing else sets, and its namespaces settle
injection for namespaces that are not in the input, per revision.

A baseline lets a repository turn lint on with the findings it has and fail
only on new ones: --write-baseline FILE records the current findings, and
--baseline FILE (or baseline: in .meshbatch.yaml) hides them in later runs,
counts them in the summary and names the entries that match nothing any more.
With --baseline, --write-baseline drops those and adds nothing new unless
--baseline-add is given (docs/baseline.md).

Several reports can be written in one run: --format and --output pair by
position, and a format without an --output goes to standard output.

Exit codes, the same for every format: 0 nothing at or above --fail-on,
1 findings at or above --fail-on (whether --min-severity shows them or not),
2 bad flags, bad config or unreadable input, or a fix a rule failed to build
(json and sarif carry fixes: a bug in meshbatch, said as one).

With --cluster, lint reads a live cluster, read-only: meshbatch-facts (installed
next to meshbatch) lists, a page at a time, every object the rules read
(Namespaces, ServiceAccounts, Services, Pods, Deployments, StatefulSets,
DaemonSets, ReplicaSets, Jobs, CronJobs, the istio-ca-root-cert ConfigMaps and
every Istio kind, in the version the API server prefers) and the cluster's
facts, as meshbatch facts reads them; facts given as flags, variables or in
the config file still win. deploy/rbac/meshbatch-reader.yaml is all it needs.
Findings on a cluster's objects name the context and the object
("prod-eu: Job batch/etl") instead of a file. A finding on an object that a
controller in the input owns (a CronJob's Job, a Job's Pod) is left to the
controller when the controller has the same finding (same rule, same field of
its template); what only the object shows (its state, the injected proxy) stays.
With PATHs too, the files are linted with the cluster as the rest of the mesh;
a file's object wins over the cluster's of the same kind, namespace and name.
A list that fails (forbidden) is an input error: the report is written and
lint exits 2.`,
		Example: `  meshbatch lint deploy/
  meshbatch lint charts/ overlays/               # Helm charts and Kustomize overlays, as rendered
  meshbatch lint --values charts/etl/values-prod.yaml --set image.tag=2.1.0 charts/etl
  helm template charts/etl | meshbatch lint -
  meshbatch lint --istio-version 1.28 --kubernetes-version 1.31 --fail-on warning k8s/
  meshbatch lint --facts .meshbatch-facts.yaml deploy/   # facts read from the cluster by meshbatch facts
  meshbatch lint --format text --format sarif --output - --output meshbatch.sarif deploy/
  meshbatch lint --format github deploy/          # annotations in a GitHub Actions job
  meshbatch lint --suppress 'MB301=Job batch/*' --no-inline-ignores deploy/
  meshbatch lint --partial --skip-non-manifests changed.yaml   # what the pre-commit hook runs
  meshbatch lint --write-baseline .meshbatch-baseline.json deploy/   # record today's findings
  meshbatch lint --baseline .meshbatch-baseline.json deploy/         # fail only on new ones
  meshbatch lint --baseline .meshbatch-baseline.json --write-baseline .meshbatch-baseline.json deploy/   # drop fixed ones
  meshbatch lint --cluster --context prod-eu -f sarif -o cluster.sarif   # every namespace of a live cluster
  meshbatch lint --cluster -n batch -n etl                                # two namespaces
  meshbatch lint --cluster deploy/            # the files, with the cluster as the rest of the mesh`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 && !fl.cluster.enabled {
				return usagef("lint needs at least one PATH: a file, a directory, or - for standard input")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd, args, fl)
		},
	}
	f := cmd.Flags()
	addInputFlags(cmd, &fl)
	f.StringArrayP("format", "f", nil, "output format, repeatable: "+strings.Join(format.Names(), ", ")+" (default text)")
	f.StringArrayVarP(&fl.outputs, "output", "o", nil, "file for the report of the --format at the same position, repeatable (- is standard output)")
	f.StringVar(&fl.writeBaseline, "write-baseline", "", "record the findings in this file; with --baseline, drop its stale entries and add no new finding")
	f.BoolVar(&fl.baselineAdd, "baseline-add", false, "with --write-baseline and --baseline, add the new findings to the file too")
	f.BoolVar(&fl.cluster.enabled, "cluster", false, "lint the objects of a live cluster, read-only (with PATHs: the files, with the cluster as the rest of the mesh)")
	f.StringVar(&fl.cluster.kubeconfig, "kubeconfig", "", "with --cluster: kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the in-cluster service account)")
	f.StringVar(&fl.cluster.context, "context", "", "with --cluster: kubeconfig context (default: the current context)")
	f.StringArrayVarP(&fl.cluster.namespaces, "namespace", "n", nil, "with --cluster: lint only this namespace, repeatable (the mesh's root namespace is read too)")
	f.BoolVarP(&fl.cluster.allNamespaces, "all-namespaces", "A", false, "with --cluster: lint every namespace (the default)")
	f.StringVar(&fl.cluster.stream, "cluster-stream", "", "with --cluster: read the objects from this file, written by meshbatch-facts --list, instead of the cluster")
	_ = f.MarkHidden("cluster-stream")
	f.StringVar(&fl.now, "now", "", "judge objects' status as at this instant, RFC 3339 (2026-06-01T12:00:00Z), not the clock's: for tests, and for a --cluster-stream linted again as of when it was saved")
	_ = f.MarkHidden("now")
	complete := func(flag string, values ...string) {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	complete("format", format.Names()...)
	_ = cmd.MarkFlagFilename("write-baseline", "json")
	return cmd
}

// addInputFlags registers the flags lint and fix share: the config, the
// cluster facts, the thresholds, suppression, what is read and the limits.
func addInputFlags(cmd *cobra.Command, fl *lintFlags) {
	f := cmd.Flags()
	f.StringVar(&fl.config, "config", "", "config file (default: .meshbatch.yaml in the working directory or a parent; env MESHBATCH_CONFIG)")
	f.BoolVar(&fl.noConfig, "no-config", false, "read no config file")
	addFactFlags(f)
	addFactsFileFlag(f)
	f.String("fail-on", "error", "exit 1 when a finding at or above this severity is reported (shown or not): error, warning, info or none")
	f.String("min-severity", "info", "show findings at or above this severity: error, warning or info (does not change the exit code)")
	f.StringArrayVar(&fl.suppress, "suppress", nil, "hide findings: RULES[=Kind namespace/name] with globs, like 'MB301=Job batch/*' (repeatable)")
	f.StringArrayVar(&fl.exclude, "exclude", nil, "do not read paths matching this glob, relative to the working directory, like 'charts/*/templates/**' (repeatable; adds to the config's exclude)")
	f.BoolVar(&fl.partial, "partial", false, "the input is only part of the manifests (pre-commit): rules stay silent about objects they cannot see")
	f.BoolVar(&fl.noInlineIgnores, "no-inline-ignores", false, "ignore meshbatch.dev/ignore annotations (for audits)")
	f.BoolVar(&fl.skipNonManifests, "skip-non-manifests", false, "skip YAML documents without apiVersion or kind instead of reporting them (pre-commit)")
	f.String("baseline", "", "hide the findings this file records (written by --write-baseline) and fail only on new ones")
	f.BoolVar(&fl.noBaseline, "no-baseline", false, "read no baseline, even one the config file names (to see every finding)")
	fl.maxFileSize = manifest.DefaultMaxFileBytes
	fl.maxDepth = manifest.DefaultMaxDepth
	fl.maxNodes = manifest.DefaultMaxNodes
	f.Var(&fl.maxFileSize, "max-file-size", "largest file or standard input to read: bytes, or K, M, G (see docs/limits.md)")
	f.Var(&fl.maxDepth, "max-depth", "deepest nesting of mappings and lists in a document")
	f.Var(&fl.maxNodes, "max-nodes", "most YAML nodes in a document once aliases are expanded")
	f.StringArrayVar(&fl.values, "values", nil, "values file for every Helm chart in the input, over its values.yaml and charts: in .meshbatch.yaml (repeatable)")
	f.StringArrayVar(&fl.set, "set", nil, "set a value of every Helm chart in the input, as helm's --set: KEY=VALUE (repeatable; applied last)")
	complete := func(flag string, values ...string) {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	complete("fail-on", "error", "warning", "info", "none")
	complete("min-severity", "error", "warning", "info")
	for key, values := range factValues {
		complete(factFlags[key].flag, values...)
	}
	_ = cmd.MarkFlagFilename("config", "yaml", "yml")
	_ = cmd.MarkFlagFilename("values", "yaml", "yml")
	_ = cmd.MarkFlagFilename("baseline", "json")
}

// factValues are the values of the facts that take one of a fixed set,
// by config key, for shell completion (TestFactValuesParse holds them to
// what lint.RawFacts.Parse accepts).
var factValues = map[string][]string{
	"nativeSidecars":                  {"true", "false", "auto"},
	"outboundPolicy":                  {"ALLOW_ANY", "REGISTRY_ONLY"},
	"holdApplicationUntilProxyStarts": {"true", "false"},
	"dnsAutoAllocate":                 {"true", "false"},
}

func runLint(cmd *cobra.Command, args []string, fl lintFlags) error {
	if err := checkClusterFlags(cmd, fl.cluster); err != nil {
		return err
	}
	opts, set, cfg, base, err := lintOptions(cmd, fl)
	if err != nil {
		return err
	}
	if fl.now != "" {
		if opts.Now, err = time.Parse(time.RFC3339, fl.now); err != nil {
			return usagef("--now %q: want an RFC 3339 instant, like 2026-06-01T12:00:00Z", fl.now)
		}
	}
	outputs, err := pairOutputs(set.formats, fl.outputs)
	if err != nil {
		return usageError{err}
	}
	opts.ListObjects = format.NeedsObjects(outputs)
	opts.Fixes = format.ShowsFixes(outputs)
	var cluster *clusterRun
	if fl.cluster.enabled {
		if cluster, err = startCluster(cmd, fl.cluster); err != nil {
			return err
		}
		if set, err = resolveSettingsWith(cfg, cmd.Flags(), cluster.facts); err != nil {
			cluster.stop()
			return usageError{err}
		}
		// The cluster's facts under the given ones: the charts are
		// rendered for its Kubernetes version too.
		opts.Facts, opts.Live = set.facts, cluster.live()
		opts.Render = renderOptions(cfg, set.facts, fl)
		opts.Live.Namespaces = fl.cluster.namespaces
	}
	charts := 0 // the Helm charts given --values and --set
	configure := opts.Render.Configure
	opts.Render.Configure = func(t render.Target) []render.Target {
		if t.Kind == render.Helm {
			charts++
		}
		return configure(t)
	}
	for _, n := range set.notices {
		cmd.PrintErrln("meshbatch: " + format.Printable(n))
	}
	res, err := lint.Run(cmd.Context(), args, opts)
	if err != nil {
		if cluster != nil {
			cluster.stop()
		}
		return err
	}
	if cluster != nil {
		if err := cluster.finish(res); err != nil {
			return err
		}
	}
	for _, o := range outputs {
		if err := writeReport(cmd, o, res, set.failOn); err != nil {
			return err
		}
	}
	for _, n := range res.Notices {
		cmd.PrintErrln("meshbatch: " + format.Printable(n))
	}
	if charts == 0 && len(fl.values)+len(fl.set) > 0 {
		cmd.PrintErrln("meshbatch: --values and --set apply to Helm charts, and the input holds none")
	}
	for _, e := range res.InputErrors {
		cmd.PrintErrln("meshbatch: " + format.Printable(e.Error()))
	}
	for _, e := range res.FixErrors {
		cmd.PrintErrln("meshbatch: " + format.Printable(e.Error()))
	}
	if base != nil {
		if err := base.finish(cmd, res); err != nil {
			return err
		}
	}
	if len(res.InputErrors) > 0 {
		return incomplete(res, cluster)
	}
	if len(res.FixErrors) > 0 {
		return fixesNotBuilt(len(res.FixErrors))
	}
	if res.Failed(set.failOn) {
		return errFindings
	}
	return nil
}

// lintOptions reads the config and the settings and builds the options
// lint and fix run with, and the baseline run when there is one.
func lintOptions(cmd *cobra.Command, fl lintFlags) (lint.Options, resolved, *config.Config, *baselineRun, error) {
	var opts lint.Options
	cfg, err := loadConfig(cmd, fl)
	if err != nil {
		return opts, resolved{}, nil, nil, usageError{err}
	}
	var noFacts *config.FactsFile
	if fl.cluster.enabled {
		noFacts = &config.FactsFile{} // the cluster's are read later (startCluster)
	}
	set, err := resolveSettingsWith(cfg, cmd.Flags(), noFacts)
	if err != nil {
		return opts, set, nil, nil, usageError{err}
	}
	ruleSet, overrides, err := cfg.RuleSet()
	if err != nil {
		return opts, set, nil, nil, usageError{err}
	}
	sups, err := cfg.Suppressions()
	if err != nil {
		return opts, set, nil, nil, usageError{err}
	}
	for _, s := range fl.suppress {
		sup, err := lint.ParseSuppress(s)
		if err != nil {
			return opts, set, nil, nil, usagef("--suppress %v", err)
		}
		sup.Origin = "--suppress " + s
		sups = append(sups, sup)
	}
	excludes := cfg.Excludes()
	if len(fl.exclude) > 0 {
		wd, err := os.Getwd()
		if err != nil {
			return opts, set, nil, nil, err
		}
		e := lint.Exclude{Patterns: fl.exclude, Base: wd, Origin: "--exclude"}
		if err := e.Validate("the working directory"); err != nil {
			return opts, set, nil, nil, usagef("--exclude: %v", err)
		}
		excludes = append(excludes, e)
	}
	base, err := newBaselineRun(set.baseline, fl)
	if err != nil {
		return opts, set, nil, nil, err
	}
	opts = lint.Options{
		Facts:             set.facts,
		Rules:             ruleSet,
		SeverityOverrides: overrides,
		Suppressions:      sups,
		NoInlineIgnores:   fl.noInlineIgnores,
		Partial:           fl.partial,
		MinSeverity:       set.minSeverity,
		SkipNonManifests:  fl.skipNonManifests,
		Exclude:           excludes,
		CheckSpec:         generate.CheckSpec,
		Stdin:             cmd.InOrStdin(),
	}
	opts.Limits = manifest.Limits{MaxFileBytes: int64(fl.maxFileSize), MaxDepth: int(fl.maxDepth), MaxNodes: int(fl.maxNodes),
		Hints: limitHints}
	for _, v := range fl.values {
		if fi, err := os.Stat(v); err != nil || !fi.Mode().IsRegular() {
			return opts, set, nil, nil, usagef("--values %s: no such file", v)
		}
	}
	opts.Render = renderOptions(cfg, set.facts, fl)
	if base != nil {
		opts.Baseline = base.matcher
	}
	return opts, set, cfg, base, nil
}

// renderOptions say how the input's charts and Kustomize directories are
// rendered: with the config's charts: entries, --values and --set, and
// the Kubernetes version of facts, which must be the run's final ones
// (lint --cluster builds them again once it has read the cluster's).
func renderOptions(cfg *config.Config, facts mesh.Facts, fl lintFlags) lint.RenderOptions {
	return lint.RenderOptions{
		Renderer: execRenderer{},
		ChartOf:  cfg.ChartOfValuesFile,
		Configure: func(t render.Target) []render.Target {
			ts := cfg.ChartRenderings(t)
			for i := range ts {
				if v := facts.KubernetesVersion; v.Known() {
					ts[i].KubeVersion = v.String() // the templates' .Capabilities.KubeVersion
				}
				if ts[i].Kind == render.Helm {
					ts[i].Values = append(ts[i].Values, fl.values...)
					ts[i].Set = append(ts[i].Set, fl.set...)
				}
			}
			return ts
		},
	}
}

// loadConfig finds and reads the config file: --config, else
// MESHBATCH_CONFIG, else the nearest .meshbatch.yaml upwards from the
// working directory. It returns an empty config when there is none or
// with --no-config.
func loadConfig(cmd *cobra.Command, fl lintFlags) (*config.Config, error) {
	if fl.noConfig {
		return &config.Config{}, nil
	}
	file := fl.config
	if !cmd.Flags().Changed("config") {
		file = os.Getenv("MESHBATCH_CONFIG")
	}
	if file == "" {
		found, err := config.Find(".")
		if errors.Is(err, config.ErrNotRegularFile) {
			return nil, fmt.Errorf("%v; pass --config or --no-config", err)
		}
		if err != nil || found == "" {
			return &config.Config{}, err
		}
		file = found
	}
	return config.Load(file)
}

// pairOutputs matches --format and --output values by position, the way
// several reports are asked for in one run:
//
//	--format text --format sarif --output - --output lint.sarif
//
// A format without an output goes to standard output; at most one report
// may go there. No format at all means one text report on standard output.
func pairOutputs(formats, outputs []string) ([]format.Output, error) {
	if len(formats) == 0 {
		formats = []string{"text"}
	}
	if len(outputs) > len(formats) {
		return nil, fmt.Errorf("--output: %d outputs for %d formats; give one --format per --output, in the same order", len(outputs), len(formats))
	}
	var out []format.Output
	toStdout := ""
	for i, f := range formats {
		if _, err := format.New(f, format.Options{}); err != nil {
			return nil, fmt.Errorf("--format: %v", err)
		}
		o := format.Output{Format: strings.ToLower(f), Path: format.Stdout}
		if i < len(outputs) && outputs[i] != "" {
			o.Path = outputs[i]
		}
		if o.Path == format.Stdout {
			if toStdout != "" {
				return nil, fmt.Errorf("--format %s and --format %s would both write to standard output; send one to a file with --output (formats and outputs pair by position)", toStdout, o.Format)
			}
			toStdout = o.Format
		}
		out = append(out, o)
	}
	return out, nil
}

// writeReport writes one report to standard output or to its file (see
// format.WriteFile: a report file is replaced atomically).
func writeReport(cmd *cobra.Command, o format.Output, res *lint.Result, failOn rules.Severity) error {
	human := o.Format == "text" || o.Format == "concise"
	toTerminal := human && o.Path == format.Stdout
	f, err := format.New(o.Format, format.Options{
		Color:   toTerminal && colorOK(cmd),
		Width:   reportWidth(cmd, toTerminal),
		Version: version,
		FailOn:  failOn,
	})
	if err != nil {
		return usagef("--format: %v", err)
	}
	if o.Path == format.Stdout {
		if err := f.Format(cmd.OutOrStdout(), res); err != nil {
			return fmt.Errorf("writing the %s report: %v", o.Format, err)
		}
		return nil
	}
	err = format.WriteFile(o.Path, func(w io.Writer) error { return f.Format(w, res) })
	var pe *fs.PathError
	switch {
	case err == nil:
		// A report in a file leaves the terminal silent otherwise: say
		// where it went, and what it holds.
		cmd.PrintErrln(fmt.Sprintf("meshbatch: wrote the %s report (%s) to %s", o.Format, countFindings(res.Findings.Len()), format.Printable(o.Path)))
		return nil
	case errors.As(err, &pe):
		return usagef("--output %s: %v", o.Path, pe.Err)
	}
	return fmt.Errorf("writing the %s report to %s: %v", o.Format, o.Path, err)
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

// reportWidth is the width the text report wraps at: COLUMNS when set,
// else the terminal's width when standard output is one, else 0 (the
// format's default: a file, a pipe, pre-commit's capture, a CI log).
func reportWidth(cmd *cobra.Command, toStdout bool) int {
	if !toStdout {
		return 0
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	f, ok := cmd.OutOrStdout().(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

func countFindings(n int) string {
	if n == 1 {
		return "1 finding"
	}
	return fmt.Sprintf("%d findings", n)
}

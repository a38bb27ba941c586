package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/format/ruledoc"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

func newRulesCmd() *cobra.Command {
	var formatName string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the lint rules",
		Long: `Rules lists every lint rule with its id, default severity, slug and summary.
Ids and slugs both work in suppressions and in the config file.`,
		Example: `  meshbatch rules
  meshbatch rules --format json | jq -r '.[].id'
  meshbatch rules --format markdown > rules.md
  meshbatch rules explain MB101`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("rules lists every rule; to explain one, run: meshbatch rules explain %s", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := ruledoc.List(cmd.OutOrStdout(), checks.All(), formatName); err != nil {
				if strings.HasPrefix(err.Error(), "unknown format") {
					return usagef("--format: %v", err)
				}
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&formatName, "format", "f", "text", "output format: "+strings.Join(ruledoc.Formats, ", "))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(ruledoc.Formats, cobra.ShellCompDirectiveNoFileComp))
	cmd.AddCommand(&cobra.Command{
		Use:   "explain RULE",
		Short: "Explain a rule: why it matters, the fix, a bad and a good example, and the sources",
		Example: `  meshbatch rules explain MB101
  meshbatch rules explain job-sidecar-never-exits`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("explain needs one rule id or slug, like MB101; `meshbatch rules` lists them")
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var ids []cobra.Completion
			for _, r := range checks.All() {
				ids = append(ids, cobra.CompletionWithDesc(r.ID, r.Summary))
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			r := checks.Lookup(args[0])
			if r == nil {
				return usageError{lint.UnknownRule(args[0])}
			}
			return ruledoc.Explain(cmd.OutOrStdout(), r)
		},
	})
	return cmd
}

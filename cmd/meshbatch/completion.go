package main

import (
	"github.com/spf13/cobra"
)

// newCompletionCmd replaces cobra's default completion command, to give
// every shell an example of how to load the script.
func newCompletionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script",
		Long: `Completion prints a script that makes your shell complete meshbatch's
commands, flags and values. Load it once per session, or install it where your
shell looks for completions.`,
		Example: `  source <(meshbatch completion bash)
  meshbatch completion bash > /etc/bash_completion.d/meshbatch
  meshbatch completion zsh > "${fpath[1]}/_meshbatch"
  meshbatch completion fish > ~/.config/fish/completions/meshbatch.fish
  meshbatch completion powershell | Out-String | Invoke-Expression`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("completion needs one shell: bash, zsh, fish or powershell")
			}
			return nil
		},
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usagef("completion: unknown shell %q: use bash, zsh, fish or powershell", args[0])
		},
	}
	return cmd
}

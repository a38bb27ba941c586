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
commands, flags and the values of flags that take one of a fixed set
(--format, --fail-on, --outbound-policy, --native-sidecars, ...). Load it once
per session, or install it where your shell looks for completions.

bash: the script needs the bash-completion package, which minimal systems and
containers often lack: apt install bash-completion, dnf install
bash-completion, or on macOS brew install bash-completion@2; then open a new
shell. Without it, pressing Tab prints "_get_comp_words_by_ref: command not
found".`,
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

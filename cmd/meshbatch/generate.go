package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newGenerateCmd is replaced by the generate work (issue 2).
func newGenerateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "generate",
		Short: "Generate the manifests of a batch job from a job spec (not implemented yet)",
		RunE: func(*cobra.Command, []string) error {
			return usageError{errors.New("generate is not implemented yet")}
		},
	}
}

package format

import (
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/lint"
)

// Where says where a finding is, as the one-line formats and the text
// report's first line write it: "deploy/etl.yaml:14:11" for a file, and
// "prod-eu: Job batch/etl" for an object of a cluster (lint --cluster),
// which has no file: its context, then the object.
func Where(f *lint.Finding) string {
	if f.Live() {
		return Printable(f.Context + ": " + f.Object.String())
	}
	return fmt.Sprintf("%s:%d:%d", Printable(f.File), f.Line, f.Column)
}

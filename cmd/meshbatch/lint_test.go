package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/lint/format"
)

func TestPairOutputs(t *testing.T) {
	o := func(f, path string) format.Output { return format.Output{Format: f, Path: path} }
	for _, tc := range []struct {
		formats, outputs []string
		want             []format.Output
		err              string
	}{
		{want: []format.Output{o("text", "-")}},
		{formats: []string{"sarif"}, want: []format.Output{o("sarif", "-")}},
		{formats: []string{"text", "sarif"}, outputs: []string{"-", "out.sarif"}, want: []format.Output{o("text", "-"), o("sarif", "out.sarif")}},
		{formats: []string{"sarif", "text"}, outputs: []string{"out.sarif"}, want: []format.Output{o("sarif", "out.sarif"), o("text", "-")}},
		{formats: []string{"JSON"}, outputs: []string{"r.json"}, want: []format.Output{o("json", "r.json")}},
		{outputs: []string{"report.txt"}, want: []format.Output{o("text", "report.txt")}},
		{formats: []string{"text", "json"}, err: "would both write to standard output"},
		{formats: []string{"text"}, outputs: []string{"a", "b"}, err: "2 outputs for 1 formats"},
		{formats: []string{"xml"}, err: `unknown format "xml": use one of concise, github, json, junit, sarif, text`},
	} {
		got, err := pairOutputs(tc.formats, tc.outputs)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("pairOutputs(%q, %q) error = %v, want it to contain %q", tc.formats, tc.outputs, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("pairOutputs(%q, %q): %v", tc.formats, tc.outputs, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("pairOutputs(%q, %q) (-want +got):\n%s", tc.formats, tc.outputs, diff)
		}
	}
}

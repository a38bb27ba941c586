package config

import (
	"strings"
	"testing"
)

// FuzzParseConfig decodes arbitrary config files: no panic, and errors
// start with the file name (and a position when they have one). The
// seeds are the ones below and testdata/fuzz/FuzzParseConfig.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("rules:\n  disable: [MB105, \"MB3*\"]\n  enable: [MB301]\n  severity: {MB301: error}\nignore:\n  - rules: [MB101]\n    paths: [\"vendor/**\"]\n    reason: x\nfacts:\n  istioVersion: \"1.28\"\n  kubernetesVersion: \"1.31\"\nfailOn: warning\nminSeverity: info\nformat: json\n"))
	f.Add([]byte("a: &a [*a]\nrules: *a\n"))
	f.Add([]byte("ignore: &i [{rules: [MB101]}]\nrules: {disable: *i}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			return
		}
		_, err := Parse("cfg.yaml", "/nonexistent", data)
		if err != nil && !strings.HasPrefix(err.Error(), "cfg.yaml") {
			t.Fatalf("config error does not name the file: %v", err)
		}
	})
}

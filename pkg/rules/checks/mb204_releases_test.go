package checks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestMB204Releases: MB204 follows the facts' Istio release at each
// boundary where the injector's check of proxy.istio.io/config changed
// (the commits by case; docs/istio-validation-versions.md): an error where
// the release rejects, a warning that names the newer releases that do, a
// warning for a field the release's ProxyConfig lacks, and nothing where
// the release accepts it. want, by "1.minor" ("" for no version): each
// finding as "severity: texts it contains", joined by " … "; none for
// silence.
func TestMB204Releases(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		want         map[string][]string
	}{
		// a09d83baa4c (#55545), 1.26.0
		{"configmap:// tracing credential", `{"tracing": {"tlsSettings": {"mode": "SIMPLE", "credentialName": "configmap://istio-system/ca"}}}`,
			map[string][]string{
				"1.25": {"warning: newer Istio's injector (from 1.26) refuses: invalid tracing TLS config: invalid configmap:// " +
					"credentialName: namespace must match … istiod 1.25 injects the pods, but the webhook will deny every pod of the Job after an upgrade"},
				"1.26": {"error: sets tracing.tlsSettings.credentialName, which the ProxyConfig validation of istiod 1.26's injector refuses"},
				"":     {"error: the ProxyConfig validation of the injector (Istio as of 1.31) refuses"},
			}},
		// dc816f56c6e (#60576) checks it, istio/api 2971a86a8 (#3707) adds it: 1.31.0
		{"negative connectionSettings timeout", `{"connectionSettings": {"httpIdleTimeout": "-1s"}}`,
			map[string][]string{
				"1.30": {"warning: sets connectionSettings, which the ProxyConfig of istiod 1.30 does not have (it comes in 1.31): the injector drops it",
					"warning: newer Istio's injector (from 1.31) refuses: invalid connection settings: http_idle_timeout must be non-negative"},
				"1.31": {"error: which the ProxyConfig validation of istiod 1.31's injector refuses: invalid connection settings"},
			}},
		{"connectionSettings of the wrong type", `{"connectionSettings": {"httpIdleTimeout": 5}}`,
			map[string][]string{
				"1.30": {"warning: the ProxyConfig of istiod 1.30 does not have (it comes in 1.31)",
					"warning: newer Istio's injector (from 1.31) fails on proxy.istio.io/config"},
				"1.31": {"error: istiod 1.31's injector fails on it and the webhook denies every pod of the Job"},
			}},
		{"valid connectionSettings", `{"connectionSettings": {"httpIdleTimeout": "60s"}}`,
			map[string][]string{"1.30": {"warning: (it comes in 1.31)"}, "1.31": nil, "": nil}},
		// istio/api 9723aca52 (#3323), 1.24.0
		{"setCurrentClientCertDetails", `{"proxyHeaders": {"setCurrentClientCertDetails": {"uri": true}}}`,
			map[string][]string{"1.23": {"warning: proxyHeaders.setCurrentClientCertDetails, which the ProxyConfig of istiod 1.23 does not have (it comes in 1.24)"},
				"1.24": nil}},
		// e14257a70 (#3322), 1.25.0
		{"enableIstioTags", `{"tracing": {"enableIstioTags": false}}`,
			map[string][]string{"1.24": {"warning: (it comes in 1.25)"}, "1.25": nil}},
		// e716877a1 (#3532), 1.28.0
		{"xForwardedHost", "proxyHeaders:\n  xForwardedHost: {enabled: true}\n",
			map[string][]string{"1.27": {"warning: (it comes in 1.28)"}, "1.28": nil}},
		// 3c355c520 (#3620), 1.29.0
		{"fileFlushInterval", `{"fileFlushInterval": "5s"}`,
			map[string][]string{"1.28": {"warning: (it comes in 1.29)"}, "1.29": nil}},
		// 9eed7253a5c (#54690), 1.25.0: a warning the injector drops
		{"ISTIO_META_DNS_AUTO_ALLOCATE", `{"proxyMetadata": {"ISTIO_META_DNS_AUTO_ALLOCATE": "true"}}`,
			map[string][]string{"1.24": nil, "1.25": nil}},
		// a check of every release, before 1.22 and after 1.31
		{"drainDuration 0s", `{"drainDuration": "0s"}`,
			map[string][]string{
				"1.20": {"warning: Istio 1.22's injector (the oldest meshbatch knows; istiod 1.20 may differ) refuses: invalid drain duration … the webhook denies every pod of the Job if istiod 1.20 makes the check"},
				"1.22": {"error: istiod 1.22's injector refuses: invalid drain duration"},
				"1.33": {"error: the injector (as of Istio 1.31; istiod 1.33 may have more checks) refuses"},
			}},
	} {
		file := filepath.Join(t.TempDir(), "job.yaml")
		doc := fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: %q
    spec:
      restartPolicy: Never
      containers:
        - {name: etl, image: registry.example.com/etl:1.4.2}
`, tc.config)
		if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		for ver, want := range tc.want {
			var v mesh.Version
			if ver != "" {
				fmt.Sscanf(ver, "%d.%d", &v.Major, &v.Minor)
			}
			res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: []*rules.Rule{checks.ProxyConfigInvalid},
				Facts: mesh.Facts{IstioVersion: v}, Now: ruletest.Now})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for f := range res.Findings.All() {
				got = append(got, f.Severity.String()+": "+f.Message)
			}
			if len(got) != len(want) {
				t.Errorf("%s, Istio %q: %d findings, want %d:\n%s", tc.name, ver, len(got), len(want), strings.Join(got, "\n"))
				continue
			}
			for _, w := range want {
				sev, text, _ := strings.Cut(w, ": ")
				if !slices.ContainsFunc(got, func(g string) bool {
					if !strings.HasPrefix(g, sev+": ") {
						return false
					}
					for _, part := range strings.Split(text, " … ") {
						if !strings.Contains(g, part) {
							return false
						}
					}
					return true
				}) {
					t.Errorf("%s, Istio %q: no %s saying %q in:\n%s", tc.name, ver, sev, text, strings.Join(got, "\n"))
				}
			}
		}
	}
}

package checks_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// needsFacts lints doc with rule r and the facts given, asking for fixes,
// and returns, for each finding, its fix's description or the facts it
// needs ("needs istioVersion,kubeletVersion"), or "none".
func needsFacts(t *testing.T, r *rules.Rule, doc string, raw lint.RawFacts) []string {
	t.Helper()
	facts, err := raw.Parse()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "doc.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), []string{file}, lint.Options{Rules: []*rules.Rule{r}, Facts: facts, Fixes: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for f := range res.Findings.All() {
		switch {
		case f.Fix != nil:
			out = append(out, "fix: "+f.Fix.Description)
		case f.FixNeedsFacts != nil:
			out = append(out, "needs "+strings.Join(f.FixNeedsFacts, ","))
		default:
			out = append(out, "none")
		}
	}
	return out
}

// TestNativeFixNeedsFacts: MB101 offers the native sidecar only where the
// facts allow it; where a stated fact would (the command is no shell's, so
// there is no quit wrapper either), its finding names the facts unknown,
// and none where the facts or the manifest settle against it.
func TestNativeFixNeedsFacts(t *testing.T) {
	job := `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}ANNOTATIONS
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`
	const native = "fix: stop istio-proxy with the app: a native sidecar where the facts allow it, else the quit wrapper (which needs curl in the app's image)"
	for _, c := range []struct {
		name, annotations string
		facts             lint.RawFacts
		want              string
	}{
		{"no facts", "", lint.RawFacts{}, "needs istioVersion,kubeletVersion"},
		{"istio only", "", lint.RawFacts{IstioVersion: "1.26"}, "needs kubeletVersion"},
		{"kubelet only", "", lint.RawFacts{KubeletVersion: "1.30"}, "needs istioVersion"},
		{"both", "", lint.RawFacts{IstioVersion: "1.26", KubeletVersion: "1.30"}, native},
		{"old istio", "", lint.RawFacts{IstioVersion: "1.22"}, "none"},
		{"old kubelet", "", lint.RawFacts{IstioVersion: "1.26", KubeletVersion: "1.28"}, "none"},
		{"old API server", "", lint.RawFacts{IstioVersion: "1.26", KubernetesVersion: "1.28"}, "none"},
		{"new API server", "", lint.RawFacts{IstioVersion: "1.26", KubernetesVersion: "1.31"}, "needs kubeletVersion"},
		{"opts out", "\n      annotations: {sidecar.istio.io/nativeSidecar: \"false\"}", lint.RawFacts{}, "none"},
		{"holds the app", "\n      annotations: {proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'}", lint.RawFacts{}, "none"},
	} {
		got := needsFacts(t, checks.JobSidecarNeverExits, strings.Replace(job, "ANNOTATIONS", c.annotations, 1), c.facts)
		if !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestSpiffeFixNeedsTrustDomain: MB506 drops spiffe:// only from a
// principal of this mesh; one of another trust domain could be this
// mesh's own when no trust domain is stated, so its finding names the
// fact, and none once a trust domain is.
func TestSpiffeFixNeedsTrustDomain(t *testing.T) {
	ap := `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: etl-to-postgres, namespace: database}
spec:
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["spiffe://prod.example.com/ns/batch/sa/etl"]
`
	for _, c := range []struct {
		facts lint.RawFacts
		want  string
	}{
		{lint.RawFacts{}, "needs trustDomain"},
		{lint.RawFacts{TrustDomain: "prod.example.com"}, "fix: drop spiffe://"},
		{lint.RawFacts{TrustDomain: "corp.example.com"}, "none"},
		{lint.RawFacts{TrustDomainAliases: []string{"old.example.com"}}, "none"},
	} {
		if got := needsFacts(t, checks.APPrincipalSyntax, ap, c.facts); !slices.Equal(got, []string{c.want}) {
			t.Errorf("facts %+v: %q, want %q", c.facts, got, c.want)
		}
	}
}

// TestHoldFixNeedsFacts: while MB101 finds the proxy kept running, the
// facts decide its fix, a native sidecar (which a hold would keep out) or
// a classic one; MB201 holds the app only once they are known.
func TestHoldFixNeedsFacts(t *testing.T) {
	job := `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2%s
`
	const hold = "fix: add holdApplicationUntilProxyStarts: true to proxy.istio.io/config"
	for _, c := range []struct {
		name, command string
		facts         lint.RawFacts
		want          string
	}{
		{"no facts", "", lint.RawFacts{}, "needs istioVersion,kubeletVersion"},
		{"classic", "", lint.RawFacts{IstioVersion: "1.22", KubernetesVersion: "1.30"}, hold},
		{"kubelet unknown", "", lint.RawFacts{IstioVersion: "1.24", KubernetesVersion: "1.30"}, "needs kubeletVersion"},
		// the app stops the proxy: MB101 is silent, and the hold is the fix
		{"quits", "\n          command: [sh, -c, 'run; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit']", lint.RawFacts{}, hold},
	} {
		got := needsFacts(t, checks.StartupRace, strings.Replace(job, "%s", c.command, 1), c.facts)
		if !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

package config

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

const factsExample = `# meshbatch facts from context prod-eu, 2026-12-06T10:00:00Z
facts:
  istioVersion: "1.28"
  kubernetesVersion: "1.33"
  kubeletVersion: "1.31"
  nativeSidecars: auto
  outboundPolicy: REGISTRY_ONLY
  trustDomain: prod.example.com
ambient: {ztunnel: istio-system/ztunnel, version: 1.28.1}
rootCert: {configMap: istio-system/istio-ca-root-cert, notAfter: "2035-11-20T08:00:00Z", subject: O=cluster.local}
revisions:
  1-26-3:
    namespace: istio-system
    version: 1.26.3
    autoMtls: true
    proxyResources: {cpu: 100m, memory: 128Mi, cpuLimit: 2000m, memoryLimit: 1024Mi}
    facts:
      istioVersion: "1.26"
      nativeSidecars: "false"
  1-28-1:
    namespace: istio-system
    version: 1.28.1
    default: true
    tags: [default, prod]
namespaces:
  analytics: {injection: ambient}
  batch-jobs: {injection: sidecar, revision: 1-28-1}
  legacy: {injection: sidecar, revision: 1-26-3}
  tools: {injection: none}
`

func TestFactsFileRoundTrip(t *testing.T) {
	ff, err := ParseFacts("f.yaml", []byte(factsExample))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(ff.Marshal("meshbatch facts from context prod-eu, 2026-12-06T10:00:00Z")); got != factsExample {
		t.Errorf("written back:\n%s\nwant:\n%s", got, factsExample)
	}
}

func TestFactsFileMesh(t *testing.T) {
	ff, err := ParseFacts("f.yaml", []byte(factsExample))
	if err != nil {
		t.Fatal(err)
	}
	user := lint.RawFacts{NativeSidecars: "true", TrustDomain: "cluster.local"}
	set := func(k string) bool { return k == "nativeSidecars" }
	f, err := ff.Mesh(user, set)
	if err != nil {
		t.Fatal(err)
	}
	// The user's nativeSidecars wins everywhere; their trust domain was
	// not set, so the file's stands.
	if f.NativeSidecars != "true" || f.TrustDomain != "prod.example.com" || f.KubeletVersion.String() != "1.31" {
		t.Errorf("top level: native %q, trust domain %q, kubelet %s", f.NativeSidecars, f.TrustDomain, f.KubeletVersion)
	}
	legacy := f.ForNamespace("legacy")
	if legacy.IstioVersion.String() != "1.26" || legacy.NativeSidecars != "true" {
		t.Errorf("legacy: Istio %s, native %q; want 1.26 and the user's true", legacy.IstioVersion, legacy.NativeSidecars)
	}
	if want := time.Date(2035, 11, 20, 8, 0, 0, 0, time.UTC); !f.RootCertExpiry.Equal(want) {
		t.Errorf("root certificate expiry %s, want %s", f.RootCertExpiry, want)
	}
	if n := f.Namespaces["analytics"]; n.Injection != mesh.InjectAmbient {
		t.Errorf("analytics: %+v", n)
	}
}

func TestFactsFileErrors(t *testing.T) {
	for _, c := range []struct{ name, data, want string }{
		{"empty", "", "f.yaml: the facts file is empty"},
		{"unknown key", "fact:\n  istioVersion: \"1.28\"\n", `f.yaml:1:1: unknown key "fact" (did you mean "facts"?)`},
		{"bad fact", "facts:\n  nativeSidecars: maybe\n", `f.yaml:2:3: facts.nativeSidecars: "maybe" is not one of true, false, auto`},
		{"bad revision fact", "revisions:\n  r1:\n    facts:\n      istioVersion: one\n", `f.yaml:4:7: revisions.r1.facts.istioVersion:`},
		{"bad injection", "namespaces:\n  a: {injection: maybe}\n", `f.yaml:2:7: namespaces.a.injection: "maybe" is not one of sidecar, ambient, none, disabled`},
		{"unknown revision", "namespaces:\n  a: {injection: sidecar, revision: r9}\n", `namespaces.a.revision: no revision "r9" under revisions`},
		{"revision without sidecar", "revisions:\n  r1: {}\nnamespaces:\n  a: {injection: none, revision: r1}\n", `namespaces.a.revision: a revision serves sidecar injection only`},
		{"bad default", "revisions:\n  r1: {default: yes}\n", `revisions.r1.default: "yes": write true`},
		{"bad root expiry", "rootCert: {notAfter: next year}\n", `f.yaml:1:12: rootCert.notAfter: "next year" is not an RFC 3339 time`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseFacts("f.yaml", []byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want it to contain %s", err, c.want)
			}
		})
	}
}

// TestFactsFileDocExample: the facts file docs/configuration.md shows is
// one lint reads.
func TestFactsFileDocExample(t *testing.T) {
	docs, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(docs), "### factsFile")
	_, after, ok2 := strings.Cut(section, "```yaml\n")
	example, _, ok3 := strings.Cut(after, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/configuration.md has no facts file example under ### factsFile")
	}
	ff, err := ParseFacts("docs/configuration.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if len(ff.Revisions) != 2 || len(ff.Namespaces) != 5 || !ff.Ambient.Installed() {
		t.Errorf("the example reads as %d revisions, %d namespaces, ambient %v", len(ff.Revisions), len(ff.Namespaces), ff.Ambient.Installed())
	}
}

// TestFactsFileOverrides: a given fact that differs from the file's, at
// the top level or in a revision, is listed; one that agrees once parsed
// ("v1.28" and "1.28", "TRUE" and "true"), one not set, and one the
// file does not have are not. An Istio patch is a fact: "1.28.0" differs
// from "1.28".
func TestFactsFileOverrides(t *testing.T) {
	ff, err := ParseFacts("f.yaml", []byte(factsExample))
	if err != nil {
		t.Fatal(err)
	}
	user := lint.RawFacts{IstioVersion: "v1.28", NativeSidecars: "TRUE", OutboundPolicy: "ALLOW_ANY", TrustDomain: "cluster.local", MaxCertTTL: "24h"}
	set := func(k string) bool { return k != "trustDomain" && k != "kubernetesVersion" && k != "kubeletVersion" }
	got := ff.Overrides(user, set)
	want := []Overridden{
		{Key: "istioVersion", Given: "v1.28", Detected: "1.26", Revision: "1-26-3"},
		{Key: "nativeSidecars", Given: "TRUE", Detected: "auto"},
		{Key: "nativeSidecars", Given: "TRUE", Detected: "false", Revision: "1-26-3"},
		{Key: "outboundPolicy", Given: "ALLOW_ANY", Detected: "REGISTRY_ONLY"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("overrides:\n got %+v\nwant %+v", got, want)
	}
	patched := ff.Overrides(lint.RawFacts{IstioVersion: "1.28.0"}, func(k string) bool { return k == "istioVersion" })
	if len(patched) != 2 || patched[0] != (Overridden{Key: "istioVersion", Given: "1.28.0", Detected: "1.28"}) {
		t.Errorf("a given patch against a minor-only fact: %+v", patched)
	}
}

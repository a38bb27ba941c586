package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
)

var update = flag.Bool("update", false, "rewrite docs/facts.schema.json")

const factsSchemaFile = "../../docs/facts.schema.json"

// TestFactsSchemaUpToDate keeps docs/facts.schema.json in step with the
// Go types and factsDocs (-update rewrites it).
func TestFactsSchemaUpToDate(t *testing.T) {
	got, err := FactsSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(factsSchemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(factsSchemaFile)
	if err != nil {
		t.Fatalf("%v: run go test ./pkg/config -run TestFactsSchemaUpToDate -update", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale; run go test ./pkg/config -run TestFactsSchemaUpToDate -update (-committed +generated):\n%s", factsSchemaFile, diff)
	}
}

// TestFactsDocsCoverEveryField: every field of the facts file is
// documented, and no entry documents a field that does not exist.
func TestFactsDocsCoverEveryField(t *testing.T) {
	paths := map[string]bool{}
	for _, p := range factsFields() {
		paths[p] = true
		if d := factsDocs[p]; d.Desc == "" || !strings.HasSuffix(d.Desc, ".") {
			t.Errorf("%s: want a factsDocs entry whose description is a sentence", p)
		}
	}
	for p := range factsDocs {
		if !paths[p] {
			t.Errorf("factsDocs documents %s, which is not a field", p)
		}
	}
}

// compileFactsSchema compiles the committed schema, checking formats
// (rootCert.notAfter's date-time) as an editor would.
func compileFactsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(factsSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(FactsSchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(FactsSchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validateFacts validates a facts file's YAML against the schema.
func validateFacts(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	js, err := manifest.YAMLToJSON(data, manifest.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

// everyField is a facts file with every field set, as Marshal writes it.
func everyField() *FactsFile {
	full := lint.RawFacts{
		IstioVersion: "1.28", KubernetesVersion: "1.33", KubeletVersion: "1.31", NativeSidecars: "auto",
		OutboundPolicy: "REGISTRY_ONLY", RootNamespace: "istio-system", TrustDomain: "prod.example.com",
		TrustDomainAliases: []string{"old.example.com"}, MaxCertTTL: "90d", HoldApplication: "true", DNSAutoAllocate: "false",
	}
	return &FactsFile{
		Facts:    full,
		Ambient:  AmbientFacts{Ztunnel: "istio-system/ztunnel", Version: "1.28.1"},
		RootCert: RootCertFacts{ConfigMap: "istio-system/istio-ca-root-cert", NotAfter: "2035-11-20T08:00:00Z", Subject: "O=cluster.local"},
		Revisions: map[string]RevisionFacts{
			"1-28-1": {
				Namespace: "istio-system", Version: "1.28.1", Default: "true", Tags: []string{"default", "prod"}, AutoMTLS: "false",
				ProxyResources: ProxyResources{CPU: "100m", Memory: "128Mi", CPULimit: "2", MemoryLimit: "1Gi"},
				Facts:          full,
			},
		},
		Namespaces: map[string]NamespaceFacts{
			"batch": {Injection: "sidecar", Revision: "1-28-1"}, "mesh": {Injection: "ambient"},
			"tools": {Injection: "none"}, "kube-system": {Injection: "disabled"},
		},
	}
}

// docsFactsExample is the facts file of docs/configuration.md.
func docsFactsExample(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(data), "### factsFile")
	_, block, ok2 := strings.Cut(after, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/configuration.md: no ```yaml block under ### factsFile")
	}
	return []byte(block)
}

// TestFactsSchemaAcceptsFactsFiles validates real facts files against the
// committed schema: those the tests and docs hold, the five that
// clusterfacts reads from its test clusters, and one Marshal writes with
// every field set. Each is also one lint reads.
func TestFactsSchemaAcceptsFactsFiles(t *testing.T) {
	s := compileFactsSchema(t)
	files := map[string][]byte{
		"factsExample":          []byte(factsExample),
		"docs/configuration.md": docsFactsExample(t),
		"every field, Marshal":  everyField().Marshal("meshbatch facts from context test, 2026-12-06T10:00:00Z"),
	}
	wants, _ := filepath.Glob("../clusterfacts/testdata/*/want.yaml")
	if len(wants) < 5 {
		t.Fatalf("want clusterfacts' five want.yaml files, found %v", wants)
	}
	for _, w := range wants {
		data, err := os.ReadFile(w)
		if err != nil {
			t.Fatal(err)
		}
		files[w] = data
	}
	for name, data := range files {
		if _, err := ParseFacts(name, data); err != nil {
			t.Errorf("%s: lint refuses it: %v", name, err)
		}
		if err := validateFacts(t, s, data); err != nil {
			t.Errorf("%s: the schema refuses it:\n%v", name, err)
		}
	}
}

// TestFactsSchemaRefusesBadFiles: mistakes a schema can express are
// refused by it as ParseFacts refuses them.
func TestFactsSchemaRefusesBadFiles(t *testing.T) {
	s := compileFactsSchema(t)
	for name, bad := range map[string]string{
		"unknown top-level key":   "facts: {}\nrevison: {}\n",
		"unknown fact":            "facts: {istioVerison: \"1.28\"}\n",
		"unknown revision fact":   "revisions:\n  r1: {facts: {nativeSidecar: auto}}\n",
		"unquoted version":        "facts: {istioVersion: 1.30}\n",
		"bad version":             "facts: {kubernetesVersion: \"1\"}\n",
		"bad enum":                "facts: {nativeSidecars: sometimes}\n",
		"bad outbound policy":     "facts: {outboundPolicy: DENY}\n",
		"bad duration":            "facts: {maxCertTTL: 90days}\n",
		"facts as a list":         "facts: [istioVersion]\n",
		"tags as a string":        "revisions:\n  r1: {tags: default}\n",
		"default false":           "revisions:\n  r1: {default: false}\n",
		"autoMtls maybe":          "revisions:\n  r1: {autoMtls: maybe}\n",
		"unknown revision key":    "revisions:\n  r1: {namepsace: istio-system}\n",
		"bad injection":           "namespaces:\n  a: {injection: enabled}\n",
		"no injection":            "namespaces:\n  a: {revision: r1}\nrevisions: {r1: {}}\n",
		"root cert not RFC 3339":  "rootCert: {configMap: a/b, notAfter: \"20 Nov 2035\"}\n",
		"root cert with no date":  "rootCert: {configMap: a/b}\n",
		"unknown proxyResources":  "revisions:\n  r1: {proxyResources: {cpuRequest: 100m}}\n",
		"unknown ambient key":     "ambient: {ztunnel: istio-system/ztunnel, release: 1.28.1}\n",
		"unknown namespace field": "namespaces:\n  a: {injection: none, rev: r1}\n",
	} {
		if _, err := ParseFacts("bad.yaml", []byte(bad)); err == nil {
			t.Errorf("%s: lint takes it; the case is wrong", name)
		}
		if validateFacts(t, s, []byte(bad)) == nil {
			t.Errorf("%s: the schema takes %q, which lint refuses", name, bad)
		}
	}
}

// TestFactsDocsEnumsAreAccepted: every value the schema lists for a fact
// is one ParseFacts takes, written as a string and, where the schema
// allows it, as a YAML boolean.
func TestFactsDocsEnumsAreAccepted(t *testing.T) {
	s := compileFactsSchema(t)
	for _, f := range lint.FactFields() {
		d := factsDocs["facts."+f.Key]
		for _, v := range d.Enum {
			forms := []string{`"` + v + `"`}
			if d.YAMLBool && (v == "true" || v == "false") {
				forms = append(forms, v)
			}
			for _, form := range forms {
				file := "facts:\n  " + f.Key + ": " + form + "\n"
				if _, err := ParseFacts("f.yaml", []byte(file)); err != nil {
					t.Errorf("the schema lists %s for %s; lint refuses it: %v", form, f.Key, err)
				}
				if err := validateFacts(t, s, []byte(file)); err != nil {
					t.Errorf("%s: %s: the schema refuses its own value:\n%v", f.Key, form, err)
				}
			}
		}
	}
	if !slices.Contains(factsDocs["namespaces.*.injection"].Enum, "sidecar") {
		t.Error("injection's enum is not mesh.InjectionValues")
	}
}

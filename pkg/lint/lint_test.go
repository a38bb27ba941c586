package lint

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/rules"
	catalog "github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// update is accepted so that `make golden` can pass -update to every
// package; this package has no golden files to rewrite.
var _ = flag.Bool("update", false, "no golden files here")

// testRule reports every Job at warning, an info about it, and says the
// Job's ServiceAccount is missing through Missingf: a cross-object verdict.
var testRule = &rules.Rule{
	ID: "MB999", Slug: "test-rule", Severity: rules.Warning,
	Check: func(p *rules.Pass) {
		for _, o := range p.Index.OfKind("Job") {
			p.Reportf(o, "spec", "%s is a Job", o.Ref())
			p.ReportSeverityf(rules.Info, o, "metadata", "%s has metadata", o.Ref())
			if p.Index.ServiceAccount(rules.NamespaceOf(o), "runner") == nil {
				p.Missingf(o, "spec", "ServiceAccount runner of %s is missing", o.Ref())
			}
		}
	},
}

const jobYAML = `apiVersion: batch/v1
kind: Job
metadata:
  name: etl
  namespace: batch
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: etl:1
`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func ids(fs Findings) []string {
	var out []string
	for f := range fs.All() {
		out = append(out, f.RuleID+"/"+f.Severity.String()+": "+f.Message)
	}
	return out
}

// TestPartial: in partial mode the "missing" verdict is counted, not
// reported, and the other findings stay.
func TestPartial(t *testing.T) {
	dir := writeFiles(t, map[string]string{"job.yaml": jobYAML})
	for _, partial := range []bool{false, true} {
		res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{testRule}, Partial: partial})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"MB999/info: Job batch/etl has metadata", "MB999/warning: Job batch/etl is a Job", "MB999/warning: ServiceAccount runner of Job batch/etl is missing"}
		wantSilenced := 0
		if partial {
			want, wantSilenced = want[:2], 1
		}
		if diff := cmp.Diff(want, ids(res.Findings)); diff != "" {
			t.Errorf("partial=%v findings (-want +got):\n%s", partial, diff)
		}
		if res.Stats.Silenced != wantSilenced || res.Stats.SilencedByRule["MB999"] != wantSilenced {
			t.Errorf("partial=%v: silenced %d %v, want %d", partial, res.Stats.Silenced, res.Stats.SilencedByRule, wantSilenced)
		}
	}
}

// TestMinSeverityKeepsTheExitCode: hidden findings still count for Worst.
func TestMinSeverityKeepsTheExitCode(t *testing.T) {
	dir := writeFiles(t, map[string]string{"job.yaml": jobYAML})
	res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{testRule}, MinSeverity: rules.Error})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() != 0 || res.Stats.Hidden != 3 {
		t.Errorf("findings %v, hidden %d; want none shown, 3 hidden", ids(res.Findings), res.Stats.Hidden)
	}
	if res.Worst() != rules.Warning || !res.Failed(rules.Warning) || res.Failed(rules.Error) || res.Failed(0) {
		t.Errorf("Worst = %v; Failed(warning) = %v", res.Worst(), res.Failed(rules.Warning))
	}
}

// TestSuppressionLevels: annotation first, then config and flag entries in
// order; each records where it came from; --no-inline-ignores drops only
// the annotation level.
func TestSuppressionLevels(t *testing.T) {
	annotated := strings.Replace(jobYAML, "  namespace: batch\n", "  namespace: batch\n  annotations:\n    meshbatch.dev/ignore: test-rule\n    meshbatch.dev/ignore-reason: known\n", 1)
	dir := writeFiles(t, map[string]string{"a/job.yaml": annotated, "b/job.yaml": strings.Replace(jobYAML, "name: etl", "name: other", 1)})
	cfg := Suppression{Paths: []string{"b/**"}, Base: dir, Rules: []string{"MB999"}, Origin: ".meshbatch.yaml:3", Source: SuppressedByConfig, Reason: "vendored"}
	flagSup, err := ParseSuppress("*=Job batch/*")
	if err != nil {
		t.Fatal(err)
	}
	flagSup.Origin = "--suppress *=Job batch/*"
	opts := Options{Rules: []*rules.Rule{testRule}, Suppressions: []Suppression{cfg, flagSup}}
	res, err := Run(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for f := range res.Suppressed.All() {
		got[f.SuppressedBy+" "+f.Suppressed+" "+f.SuppressReason]++
	}
	want := map[string]int{
		"annotation annotation meshbatch.dev/ignore on Job batch/etl known": 3,
		"config .meshbatch.yaml:3 vendored":                                 3,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("suppressions (-want +got):\n%s", diff)
	}
	if res.Findings.Len() != 0 {
		t.Errorf("shown: %v", ids(res.Findings))
	}

	opts.NoInlineIgnores = true
	opts.Suppressions = []Suppression{cfg}
	res, err = Run(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() != 3 || res.Suppressed.Len() != 3 {
		t.Errorf("--no-inline-ignores: %d shown, %d suppressed; want 3 and 3", res.Findings.Len(), res.Suppressed.Len())
	}
}

// TestSkipNonManifests pins the loader messages dropNonManifests relies on:
// a YAML file that is not a manifest is MB001 by default and skipped with
// the option; a manifest with an error is reported either way.
func TestSkipNonManifests(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"ci.yaml":        "on: push\njobs:\n  lint: {}\n",
		"Chart.yaml":     "apiVersion: v2\nname: etl\n",
		"bad.yaml":       "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {bogus: 1}\n",
		"job.yaml":       jobYAML,
		".hidden/x.yaml": "not: a manifest\n", // hidden directories are not walked
	})
	run := func(skip bool) *Result {
		res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{rules.InvalidInput}, SkipNonManifests: skip})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	files := func(res *Result) []string {
		var out []string
		for f := range res.Findings.All() {
			out = append(out, filepath.Base(f.File))
		}
		return out
	}
	if got := files(run(false)); !cmp.Equal(got, []string{"Chart.yaml", "bad.yaml", "ci.yaml"}) {
		t.Errorf("without the option: MB001 in %v", got)
	}
	res := run(true)
	if got := files(res); !cmp.Equal(got, []string{"bad.yaml"}) {
		t.Errorf("with the option: MB001 in %v, want only bad.yaml", got)
	}
	if res.Stats.NotManifests != 2 {
		t.Errorf("NotManifests = %d, want 2", res.Stats.NotManifests)
	}
}

// TestHiddenFilesAreNotManifests: `meshbatch lint .` at a repository root
// does not report .pre-commit-config.yaml or .meshbatch.yaml as broken
// manifests, but a hidden file named on the command line is still checked.
func TestHiddenFilesAreNotManifests(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		".pre-commit-config.yaml": "repos: []\n",
		".meshbatch.yaml":         "failOn: warning\n",
		"job.yaml":                jobYAML,
	})
	res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{rules.InvalidInput}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() != 0 || res.Stats.NotManifests != 2 {
		t.Errorf("directory walk: findings %v, NotManifests %d; want none and 2", ids(res.Findings), res.Stats.NotManifests)
	}
	named := filepath.Join(dir, ".pre-commit-config.yaml")
	res, err = Run(context.Background(), []string{named}, Options{Rules: []*rules.Rule{rules.InvalidInput}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() != 1 || !strings.HasPrefix(res.Findings.At(0).Message, "apiVersion and kind are missing") {
		t.Errorf("named hidden file: findings %v, want one saying apiVersion and kind are missing", ids(res.Findings))
	}
}

// TestInventory: Result.Files lists every file and its objects when asked
// (ListObjects), and is nil when not.
func TestInventory(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.yaml": jobYAML + "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: runner, namespace: batch}\n", "b.yaml": "key: [unclosed\n"})
	res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{rules.InvalidInput}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != nil {
		t.Errorf("Files = %v without ListObjects, want nil", res.Files)
	}
	res, err = Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{rules.InvalidInput}, ListObjects: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Files {
		var objs []string
		for _, o := range f.Objects {
			objs = append(objs, o.String())
		}
		got = append(got, filepath.Base(f.File)+": "+strings.Join(objs, ", "))
	}
	if diff := cmp.Diff([]string{"a.yaml: Job batch/etl, ServiceAccount batch/runner", "b.yaml: "}, got); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}
}

// A finding about two objects points at the other one too: here the
// PeerAuthentication in another file that the second one duplicates, at
// its first key, below the comment its document starts with.
func TestFindingsNameTheRelatedObject(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml": "# the first\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: strict, namespace: batch}\nspec: {mtls: {mode: STRICT}}\n",
		"b.yaml": "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: permissive, namespace: batch}\nspec: {mtls: {mode: PERMISSIVE}}\n",
	})
	res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{catalog.PADuplicates}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() != 1 {
		t.Fatalf("findings %v, want one MB504", ids(res.Findings))
	}
	want := []RelatedObject{{File: filepath.Join(dir, "a.yaml"), Line: 2,
		Object: ObjectRef{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication", Namespace: "batch", Name: "strict"}}}
	if diff := cmp.Diff(want, res.Findings.At(0).Related); diff != "" {
		t.Errorf("related (-want +got):\n%s", diff)
	}
	f := res.Findings.At(0)
	if see := f.SeeAlso(); !strings.Contains(see, "PeerAuthentication batch/strict at "+filepath.Join(dir, "a.yaml")+":2") {
		t.Errorf("SeeAlso() = %q", see)
	}
}

// TestObjectsOfKindsNoRuleReads: the engine leaves them out of the run
// (see leaveOut), but counts them, and standard input holding only them
// is not empty.
func TestObjectsOfKindsNoRuleReads(t *testing.T) {
	role := "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: batch}\nrules: []\n"
	res, err := Run(context.Background(), []string{"-"}, Options{Stdin: strings.NewReader(role + "---\n" + role)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() != 0 || res.Stats.Objects != 2 || res.Stats.Skipped != 2 {
		t.Fatalf("findings %v, %d objects, %d skipped; want none, 2 and 2", ids(res.Findings), res.Stats.Objects, res.Stats.Skipped)
	}
}

// TestObjectsWithoutANameAreNamed: findings on a Job named by generateName
// call it by its prefix and "*", and those on a Job with no name at all
// "unnamed Job at <file>:<line>", which is also a problem of its own
// (MB001), never "Job " and a blank; every format's object says so too.
func TestObjectsWithoutANameAreNamed(t *testing.T) {
	generated := strings.Replace(jobYAML, "  name: etl\n", "  generateName: etl-\n", 1)
	unnamed := strings.Replace(jobYAML, "  name: etl\n", "", 1)
	dir := writeFiles(t, map[string]string{"jobs.yaml": generated + "---\n" + unnamed})
	for _, mode := range []Residency{{}, ReleaseAll} {
		res, err := Run(context.Background(), []string{dir}, Options{Residency: mode})
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "jobs.yaml")
		var generatedSeen, unnamedSeen, problem bool
		for f := range res.Findings.All() {
			switch {
			case strings.Contains(f.Message, "Job  ") || strings.Contains(f.Message, "Job batch/ "):
				t.Errorf("%s: a blank name: %s", f.RuleID, f.Message)
			case f.RuleID == "MB001":
				problem = problem || strings.Contains(f.Message, "neither metadata.name nor metadata.generateName") && f.Line == 16
			case strings.Contains(f.Message, "Job batch/etl-*"):
				generatedSeen = f.Object.String() == "Job batch/etl-*"
			case strings.Contains(f.Message, "unnamed Job at "+file+":14"):
				unnamedSeen = f.Object.String() == "unnamed Job in namespace batch"
			}
		}
		if !generatedSeen || !unnamedSeen || !problem {
			t.Errorf("%+v: findings on the Job named by generateName %v, on the unnamed one %v, its problem %v:\n%v",
				mode, generatedSeen, unnamedSeen, problem, res.Findings)
		}
	}
}

// TestPartlyInvalidObjectIsLinted: a CronJob with one field of the wrong
// type (containers[1].command as a string, from a real repository) is an
// MB001 at that field and is still linted, its findings marked as from a
// partly invalid object, whether the loader decodes it whole or in part.
func TestPartlyInvalidObjectIsLinted(t *testing.T) {
	cron := "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly, namespace: batch}\n" +
		"spec:\n  schedule: \"0 2 * * *\"\n  jobTemplate:\n    spec:\n      template:\n" +
		"        metadata:\n          labels: {sidecar.istio.io/inject: \"true\"}\n        spec:\n          restartPolicy: Never\n" +
		"          containers:\n            - {name: report, image: registry.example.com/report:2}\n" +
		"            - name: upload\n              image: registry.example.com/upload:1\n              command: /bin/upload --all\n"
	dir := writeFiles(t, map[string]string{"cron.yaml": cron})
	for _, mode := range []Residency{{KeepAll: true}, {}, ReleaseAll} {
		res, err := Run(context.Background(), []string{dir}, Options{Residency: mode, Rules: []*rules.Rule{catalog.JobSidecarNeverExits}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for f := range res.Findings.All() {
			got = append(got, f.RuleID+" "+f.FieldPath+" "+f.Message)
		}
		if res.Findings.Len() != 2 || res.Findings.At(0).RuleID != "MB101" || !strings.HasSuffix(res.Findings.At(0).Message, partlyInvalidNote) ||
			res.Findings.At(1).RuleID != "MB001" || res.Findings.At(1).Line != 17 || !strings.Contains(res.Findings.At(1).Message, "containers[1].command") {
			t.Errorf("%+v: findings\n%s\nwant MB101 on the CronJob, marked, and MB001 at containers[1].command", mode, strings.Join(got, "\n"))
		}
	}
}

// TestClock: every rule and every pass of a run sees the run's clock,
// Options.Now, and a run without one the time it started.
func TestClock(t *testing.T) {
	clock := &rules.Rule{
		ID: "MB999", Slug: "clock", Severity: rules.Info,
		Check: func(p *rules.Pass) {
			for _, w := range p.Index.BatchWorkloads() {
				p.Reportf(w.Object, "spec", "%s at %s", w.Object.Ref(), p.Now().Format(time.RFC3339Nano))
			}
		},
	}
	dir := writeFiles(t, map[string]string{"a.yaml": jobYAML, "b.yaml": strings.ReplaceAll(jobYAML, "name: etl", "name: load")})
	for _, mode := range []Residency{{}, ReleaseAll} {
		res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{clock}, Now: fixedNow, Residency: mode})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"MB999/info: Job batch/etl at 2026-06-01T12:00:00Z", "MB999/info: Job batch/load at 2026-06-01T12:00:00Z"}
		if diff := cmp.Diff(want, ids(res.Findings)); diff != "" {
			t.Errorf("fixed clock (-want +got):\n%s", diff)
		}
	}
	before := time.Now()
	res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{clock}, Residency: ReleaseAll})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for f := range res.Findings.All() {
		_, at, _ := strings.Cut(f.Message, " at ")
		seen = append(seen, at)
		if ts, err := time.Parse(time.RFC3339Nano, at); err != nil || ts.Before(before) || ts.After(time.Now()) {
			t.Errorf("without Options.Now the clock read %q, not the time of the run", at)
		}
	}
	if len(seen) != 2 || seen[0] != seen[1] {
		t.Errorf("the passes of one run read different clocks: %q", seen)
	}
}

// TestPartlyInvalidIstioObjectIsLinted: an Istio spec field protojson
// refuses is MB001 at the field, and the rest of the object is still
// linted, in every residency mode.
func TestPartlyInvalidIstioObjectIsLinted(t *testing.T) {
	se := "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: partner, namespace: etl}\nspec:\n" +
		"  hosts: [\"*.partner.example.com\"]\n  ports:\n    - {number: 443, name: tls, protocol: TLS}\n" +
		"  resolution: DNS\n  locaton: MESH_EXTERNAL\n"
	dir := writeFiles(t, map[string]string{"se.yaml": se})
	for _, mode := range []Residency{{KeepAll: true}, {}, ReleaseAll} {
		res, err := Run(context.Background(), []string{dir}, Options{Residency: mode, Rules: []*rules.Rule{catalog.IstioValidationRejects}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for f := range res.Findings.All() {
			got = append(got, f.RuleID+" "+strconv.Itoa(f.Line)+" "+f.Message)
		}
		if res.Findings.Len() != 2 || res.Findings.At(0).RuleID != "MB002" || res.Findings.At(0).Line != 5 ||
			!strings.HasSuffix(res.Findings.At(0).Message, partlyInvalidNote) ||
			res.Findings.At(1).RuleID != "MB001" || res.Findings.At(1).Line != 9 || !strings.Contains(res.Findings.At(1).Message, `"locaton"`) {
			t.Errorf("%+v: findings\n%s\nwant MB002 at the host, marked, and MB001 at locaton", mode, strings.Join(got, "\n"))
		}
	}
}

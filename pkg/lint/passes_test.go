package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/internal/corpusgen"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// TestPassesChangeNothing checks the memory-saving rule phase against the
// plain one. Run releases every workload after loading and runs the rules
// in passes over a part of the workloads at a time (runPasses); the
// reference keeps every object decoded and runs each rule once over the
// whole index. Both must give the same result on the rule fixtures, the
// article, the examples, the shared corpus of real manifests and a
// generated corpus, with one workload per pass (the most passes), a few,
// and the default, and with every workload released, all but a few, and
// as many kept decoded as the default keeps.
func TestPassesChangeNothing(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := corpusgen.WriteDir(dir, corpusgen.Options{Objects: 1500}); err != nil {
		t.Fatal(err)
	}
	// Workloads in the forms the loader reads differently: a List (items
	// decoded from one document), JSON, CRLF line ends, a file that
	// holds nothing but workloads.
	job := func(name string) string {
		return "apiVersion: batch/v1\nkind: Job\nmetadata: {name: " + name + ", namespace: forms}\n" +
			"spec:\n  template:\n    metadata:\n      labels: {sidecar.istio.io/inject: \"true\", app: " + name + "}\n" +
			"    spec:\n      restartPolicy: Never\n      containers:\n        - {name: app, image: registry.example.com/app:1, ports: [{name: http, containerPort: 8080}]}\n"
	}
	list := "apiVersion: v1\nkind: List\nitems:\n"
	for _, name := range []string{"in-list-a", "in-list-b"} {
		for _, line := range strings.Split(strings.TrimSuffix(job(name), "\n"), "\n") {
			list += "  " + map[bool]string{true: "- ", false: "  "}[strings.HasPrefix(line, "apiVersion")] + line + "\n"
		}
	}
	forms := map[string]string{
		"list.yaml": list,
		"crlf.yaml": strings.ReplaceAll(job("crlf")+"---\n"+job("crlf-2"), "\n", "\r\n"),
		"job.json": `{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "json", "namespace": "forms"},
 "spec": {"template": {"metadata": {"labels": {"app": "json"}}, "spec": {"restartPolicy": "Never",
 "containers": [{"name": "app", "image": "registry.example.com/app:1"}]}}}}`,
		// meshbatch.dev/ignore on a Job and on its template (read once
		// the Job is released), and one naming an unknown rule.
		"ignored.yaml": strings.Replace(job("ignored"), "metadata: {name: ignored, namespace: forms}",
			"metadata:\n  name: ignored\n  namespace: forms\n  annotations: {meshbatch.dev/ignore: MB105, meshbatch.dev/ignore-reason: owned elsewhere}", 1) +
			"---\n" + strings.Replace(job("ignored-template"), "      labels:", "      annotations: {meshbatch.dev/ignore: \"MB101,MB1O5\"}\n      labels:", 1),
		"pa.yaml": "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: forms}\nspec:\n  portLevelMtls:\n    \"8080\": {mode: DISABLE}\n  selector: {matchLabels: {app: crlf}}\n",
		// What rules read of the metadata of objects released at load
		// (the run's rules.ReadPlan): a ServiceEntry's address opt-out label
		// (MB602), and the DestinationRule one of two Jobs without a
		// sidecar names as its own (MB501).
		"metadata.yaml": "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: pg\n  namespace: forms-meta\n" +
			"  labels: {networking.istio.io/enable-autoallocate-ip: \"false\"}\n" +
			"spec: {hosts: [pg.example.com], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: DNS, location: MESH_EXTERNAL}\n---\n" +
			"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: db\n  namespace: forms-meta\n" +
			"  annotations: {meshbatch.dev/job: forms-meta/plain}\nspec: {host: db.strict-ns.svc.cluster.local}\n---\n" +
			"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: strict-ns}\nspec: {mtls: {mode: STRICT}}\n---\n" +
			"apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: strict-ns}\nspec: {selector: {app: db}, ports: [{port: 5432}]}\n---\n" +
			strings.ReplaceAll(strings.ReplaceAll(job("plain"), "\"true\"", "\"false\""), "namespace: forms}", "namespace: forms-meta}") + "---\n" +
			strings.ReplaceAll(strings.ReplaceAll(job("other"), "\"true\"", "\"false\""), "namespace: forms}", "namespace: forms-meta}"),
		// A kind no rule reads drops its labels and annotations at load:
		// an ignore annotation naming an unknown rule is reported all the
		// same, and one naming a known rule is no problem.
		"rbac.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\n  namespace: forms\n" +
			"  labels: {app.kubernetes.io/name: reader, helm.sh/chart: reader-1.0.0}\n  annotations: {meshbatch.dev/ignore: \"MB101,MB9O1\"}\n" +
			"rules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]\n",
		// A namespace named only by an object of a kind no rule reads,
		// which the engine leaves out of the run: "db.rbac-only" is a
		// Service host all the same, under the mesh-wide STRICT policy a
		// Job without a sidecar cannot reach (MB501).
		"rbac-only.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: reader, namespace: rbac-only}\n" +
			"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects: []\n---\n" +
			"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n---\n" +
			strings.Replace(strings.Replace(job("caller"), "image: registry.example.com/app:1,", "image: registry.example.com/app:1, env: [{name: DB_URL, value: \"postgres://db.rbac-only:5432/app\"}],", 1),
				`sidecar.istio.io/inject: "true"`, `sidecar.istio.io/inject: "false"`, 1),
		// A Namespace is released at load whatever the input's size: the
		// suppression annotation of a finding on it (MB209) is read all the same.
		"namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: forms-ambient\n  annotations: {meshbatch.dev/ignore: MB209}\n" +
			"  labels: {istio-injection: enabled, istio.io/dataplane-mode: ambient}\n---\n" +
			"apiVersion: batch/v1\nkind: Job\nmetadata: {name: mixed, namespace: forms-ambient}\nspec:\n  template:\n    spec:\n" +
			"      restartPolicy: Never\n      containers:\n        - {name: app, image: registry.example.com/app:1}\n",
		// A Job that does not decode strictly, in a field the loader
		// skips when it decodes a workload in part (a container's
		// resources), and that no field path places, so that it cannot
		// be linted without the field: whole or in part, it is a problem
		// and no workload, so the policy selecting it selects nothing
		// (MB511).
		// A file whose one object fails in its pass: a JUnit report lists
		// it among the files with problems only, in input order.
		"late-alone.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: alone\n  namespace: forms-late\nspec:\n" +
			"  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: app\n          image: registry.example.com/app:1\n" +
			"          resources: {limits: {cpu: lots}}\n",
		"late.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: late\n  namespace: forms-late\nspec:\n" +
			"  template:\n    metadata:\n      labels: {app: late}\n    spec:\n      restartPolicy: Never\n" +
			"      containers:\n        - name: app\n          image: registry.example.com/app:1\n" +
			"          resources: {requests: {memory: plenty}}\n---\n" +
			"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: server, namespace: forms-late}\nspec:\n  selector: {matchLabels: {app: server}}\n" +
			"  template:\n    metadata:\n      labels: {app: server}\n    spec:\n      containers: [{name: app, image: registry.example.com/server:1}]\n---\n" +
			"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: late, namespace: forms-late}\n" +
			"spec:\n  selector: {matchLabels: {app: late}}\n  rules: [{from: [{source: {principals: [cluster.local/ns/forms/sa/default]}}]}]\n",
	}
	// A CronJob with a field the loader skips when it decodes a workload
	// in part, of the wrong type (containers[1].command as a string): it
	// is linted without the field, found in its pass as when loaded whole.
	forms["lenient.yaml"] = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly, namespace: forms-lenient}\n" +
		"spec:\n  schedule: \"0 2 * * *\"\n  jobTemplate:\n    spec:\n      template:\n" +
		"        metadata:\n          labels: {sidecar.istio.io/inject: \"true\"}\n        spec:\n          restartPolicy: Never\n" +
		"          containers:\n            - {name: report, image: registry.example.com/report:2}\n" +
		"            - name: upload\n              image: registry.example.com/upload:1\n              command: /bin/upload --all\n"
	for name, text := range forms {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{dir, filepath.Join("..", "rules", "checks", "testdata"), filepath.Join("..", "..", "testdata"), filepath.Join("..", "..", "examples")}
	if shared := filepath.Join("..", "..", "..", "shared", "corpus"); dirExists(shared) {
		paths = append(paths, shared)
	}
	var stream string // the generated corpus and the forms, as one stream
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.yaml"))
	files = append(files, filepath.Join(dir, "list.yaml"), filepath.Join(dir, "crlf.yaml"), filepath.Join(dir, "late.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stream += "---\n" + string(b)
	}
	for _, tc := range wholeRunFacts {
		t.Run(tc.name, func(t *testing.T) {
			facts, err := tc.raw.Parse()
			if err != nil {
				t.Fatal(err)
			}
			run := func(perPass, kept int, keep bool) *Result {
				// ListObjects: the files and objects a JUnit report lists
				// must not depend on the passes either.
				res, err := Run(context.Background(), paths, Options{Facts: facts, Partial: tc.partial, Workers: 2,
					Residency: Residency{WorkloadsPerPass: perPass, WorkloadsKept: kept, KeepAll: keep}, ListObjects: true, Now: fixedNow})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			want := run(0, 0, true)
			if want.Findings.Len() < 200 {
				t.Fatalf("only %d findings: the input was not read", want.Findings.Len())
			}
			forms := 0
			for f := range want.Findings.All() {
				if f.Object.Namespace == "forms" {
					forms++
				}
			}
			if forms < 5 {
				t.Fatalf("only %d findings on the Jobs of namespace forms: the List, JSON and CRLF files were not read", forms)
			}
			if want.Suppressed.Len() == 0 {
				t.Fatalf("%d findings suppressed, want those of ignored.yaml", want.Suppressed.Len())
			}
			if !slices.ContainsFunc(slices.Collect(want.Findings.All()), func(f Finding) bool {
				return f.RuleID == "MB001" && strings.HasSuffix(f.File, "rbac.yaml") && strings.Contains(f.Message, `unknown rule "MB9O1"`)
			}) {
				t.Fatal("the ignore annotation of Role forms/reader was not read")
			}
			if !slices.ContainsFunc(slices.Collect(want.Suppressed.All()), func(f Finding) bool { return f.RuleID == "MB209" && f.Object.Name == "forms-ambient" }) {
				t.Fatalf("MB209 on Namespace forms-ambient was not suppressed: %v", want.Suppressed)
			}
			if !slices.ContainsFunc(slices.Collect(want.Findings.All()), func(f Finding) bool { return f.RuleID == "MB001" && strings.HasSuffix(f.File, "late.yaml") }) ||
				!tc.partial && !slices.ContainsFunc(slices.Collect(want.Findings.All()), func(f Finding) bool { return f.RuleID == "MB511" && f.Object.Name == "late" }) {
				t.Fatal("Job forms-late/late was not a problem, or the policy selecting it no finding")
			}
			if !slices.ContainsFunc(slices.Collect(want.Findings.All()), func(f Finding) bool {
				return f.RuleID == "MB001" && strings.HasSuffix(f.File, "lenient.yaml") && f.Line == 17
			}) || !slices.ContainsFunc(slices.Collect(want.Findings.All()), func(f Finding) bool {
				return f.RuleID != "MB001" && f.Object.Name == "nightly" && strings.HasSuffix(f.Message, partlyInvalidNote)
			}) {
				t.Fatal("CronJob forms-lenient/nightly: no problem at containers[1].command, or no finding on it marked as from a partly invalid object")
			}
			if l, err := load(context.Background(), paths, Options{Workers: 2, Residency: Residency{WorkloadsKept: -1}}); err != nil {
				t.Fatal(err)
			} else if !slices.ContainsFunc(l.objects, func(o *manifest.Object) bool { return o.Name == "late" && o.Kind == "Job" && o.Partial() }) ||
				!slices.ContainsFunc(l.objects, func(o *manifest.Object) bool { return o.Name == "nightly" && o.Kind == "CronJob" && o.Partial() }) {
				t.Fatal("Job forms-late/late or CronJob forms-lenient/nightly was not decoded in part: the test does not cover a strict error found in the pass")
			}
			// kept -1 releases every workload, 0 (the default) none of
			// this input's, and mixed keeps some decoded and releases the
			// rest (under twice the budget, past which the loader spills).
			const mixed = 600
			if l, err := load(context.Background(), paths, Options{Workers: 2, Residency: Residency{WorkloadsKept: mixed}}); err != nil {
				t.Fatal(err)
			} else if kept, released := keptAndReleased(l); kept == 0 || released == 0 {
				t.Fatalf("a budget of %d: %d workloads kept and %d released, want some of each", mixed, kept, released)
			}
			for _, c := range []struct{ perPass, kept int }{{1, -1}, {7, mixed}, {0, -1}, {0, 0}} {
				got := run(c.perPass, c.kept, false)
				if diff := cmp.Diff(want, got, asRendered); diff != "" {
					t.Errorf("%d workloads per pass, %d kept decoded: the result differs from one pass over every object decoded (-want +got):\n%s",
						c.perPass, c.kept, diff)
				}
			}
			// From standard input the documents stay in memory.
			stdin := func(perPass int, keep bool) *Result {
				res, err := Run(context.Background(), []string{"-"}, Options{Facts: facts, Partial: tc.partial, Workers: 2,
					Stdin: strings.NewReader(stream), Residency: Residency{WorkloadsPerPass: perPass, WorkloadsKept: -1, KeepAll: keep}})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			wantIn := stdin(0, true)
			if wantIn.Findings.Len() < 100 {
				t.Fatalf("only %d findings from standard input: it was not read", wantIn.Findings.Len())
			}
			if diff := cmp.Diff(wantIn, stdin(3, false), asRendered); diff != "" {
				t.Errorf("standard input, 3 workloads per pass: the result differs (-want +got):\n%s", diff)
			}
		})
	}
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// allowPolicy is an ALLOW AuthorizationPolicy without a selector (MB513).
func allowPolicy(name string) string {
	return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: " + name + ", namespace: db}\n" +
		"spec:\n  action: ALLOW\n  rules:\n    - from:\n        - source: {principals: [cluster.local/ns/batch/sa/etl]}\n"
}

// passesAfterAChange loads dir, writes text to the file changed, and runs
// the passes, as a file edited while lint runs.
func passesAfterAChange(t *testing.T, dir string, opts Options, changed, text string) ([]ruleOutput, []error) {
	t.Helper()
	opts.plan = rules.PlanReads(opts.Rules)
	l, err := load(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(changed, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ix := rules.NewIndexOf(l.objects, l.workloads, opts.plan)
	ix.Prepare(opts.Facts, opts.Workers)
	outs, errs, late, _, err := runPasses(context.Background(), opts.Rules, ix, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(late) > 0 { // a changed file is an input error, not a problem of the document
		t.Errorf("late failures %v", late)
	}
	return outs, errs
}

// TestPassesReportAChangedFile: the passes read each released object's
// document again (a workload, an object read in loops); one that changed
// since loading is an input error naming the file, and the other objects
// are still checked.
func TestPassesReportAChangedFile(t *testing.T) {
	dir := t.TempDir()
	job := func(name string) string {
		return "apiVersion: batch/v1\nkind: Job\nmetadata: {name: " + name + ", namespace: batch}\n" +
			"spec:\n  template:\n    metadata:\n      labels: {sidecar.istio.io/inject: \"true\"}\n" +
			"    spec:\n      restartPolicy: Never\n      containers:\n        - {name: app, image: registry.example.com/app:1}\n"
	}
	changed, kept := filepath.Join(dir, "changed.yaml"), filepath.Join(dir, "kept.yaml")
	files := map[string]string{changed: job("etl") + "---\n" + allowPolicy("etl"), kept: job("report") + "---\n" + allowPolicy("report")}
	for p, text := range files {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{Workers: 2, Rules: []*rules.Rule{checks.Lookup("MB101"), checks.Lookup("MB513")}, Residency: Residency{WorkloadsKept: -1}}
	outs, errs := passesAfterAChange(t, dir, opts, changed, job("something-else")+"---\n"+allowPolicy("else"))
	if len(errs) != 2 {
		t.Fatalf("errors %v, want two, for the Job and the policy of %s", errs, changed)
	}
	for _, err := range errs {
		if !strings.Contains(err.Error(), changed) || !strings.Contains(err.Error(), "changed or went away") {
			t.Fatalf("error %v, want one naming %s", err, changed)
		}
	}
	for i, want := range []string{"report", "report"} {
		if len(outs[i].diags) != 1 || outs[i].diags[0].obj.Name != want {
			t.Fatalf("%s diagnostics %v, want one on %s", opts.Rules[i].ID, outs[i].diags, want)
		}
	}
}

// TestPassesWithAPartThatFailsWhole: when every object of a part of the
// policies changed since loading, that part checks nothing, and the
// other kinds are still checked once.
func TestPassesWithAPartThatFailsWhole(t *testing.T) {
	dir := t.TempDir()
	changed, rule := filepath.Join(dir, "a-policies.yaml"), filepath.Join(dir, "b-rule.yaml")
	mb607 := checks.Lookup("MB607")
	for p, text := range map[string]string{changed: allowPolicy("a") + "---\n" + allowPolicy("b"), rule: mb607.Bad} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{Workers: 2, Rules: []*rules.Rule{mb607, checks.Lookup("MB513")}, Residency: Residency{WorkloadsKept: -1}}
	alone, err := Run(context.Background(), []string{rule}, Options{Workers: 2, Rules: opts.Rules, Residency: Residency{KeepAll: true}})
	if err != nil {
		t.Fatal(err)
	}
	if alone.Findings.Len() == 0 {
		t.Fatal("MB607's bad example gave no finding")
	}
	outs, errs := passesAfterAChange(t, dir, opts, changed, allowPolicy("c"))
	if len(errs) != 2 {
		t.Fatalf("errors %v, want one for each policy of %s", errs, changed)
	}
	if n := len(outs[0].diags); n != alone.Findings.Len() {
		t.Fatalf("MB607 reported %d findings on its bad example, want %d as when linted alone", n, alone.Findings.Len())
	}
	if len(outs[1].diags) != 0 {
		t.Fatalf("MB513 reported %v on policies that were not decoded again", outs[1].diags)
	}
}

// keptAndReleased counts the loaded workloads kept decoded and released.
func keptAndReleased(l *loaded) (kept, released int) {
	for _, w := range l.workloads {
		switch {
		case w == nil:
		case w.Released():
			released++
		default:
			kept++
		}
	}
	return kept, released
}

// TestLoopObjectsHaveABudget: the loader keeps up to a budget of workloads,
// and of objects rules read only in loops (also when there are no
// workloads), decoded; past twice the budget the input is large and it
// releases the kept ones too.
func TestLoopObjectsHaveABudget(t *testing.T) {
	configMap := "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: o-%d, namespace: batch}\ndata: {a: b}\n"
	job := "---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: o-%d, namespace: batch}\n" +
		"spec: {template: {spec: {restartPolicy: Never, containers: [{name: app, image: app}]}}}\n"
	for _, tc := range []struct {
		doc         string
		n, released int
	}{
		{configMap, 3, 1},
		{configMap, 4, 2},
		{configMap, 5, 5}, // spilled
		{job, 4, 2},
		{job, 5, 5},
	} {
		dir := t.TempDir()
		var text string
		for i := range tc.n {
			text += fmt.Sprintf(tc.doc, i)
		}
		if err := os.WriteFile(filepath.Join(dir, "objects.yaml"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := load(context.Background(), []string{dir}, Options{Workers: 1, Residency: Residency{WorkloadsKept: 2}})
		if err != nil {
			t.Fatal(err)
		}
		released := 0
		for _, o := range l.objects {
			if o.Released() {
				released++
			}
		}
		if len(l.objects) != tc.n || released != tc.released {
			t.Errorf("%d of %d objects released, want %d of %d with a budget of 2\n%s", released, len(l.objects), tc.released, tc.n, text)
		}
	}
}

func TestPassParts(t *testing.T) {
	for _, tc := range []struct {
		released string // one letter an object: r released, k kept decoded
		size     int
		want     [][2]int
	}{
		{"", 2, nil},
		{"kkkk", 2, [][2]int{{0, 4}}}, // nothing to decode again: one pass
		{"rrrrr", 2, [][2]int{{0, 2}, {2, 4}, {4, 5}}},
		{"kkrrkrrk", 2, [][2]int{{0, 5}, {5, 8}}}, // kept objects join the part they are in
		{"rrrr", 1, [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}}},
	} {
		got := passParts(len(tc.released), tc.size, func(i int) bool { return tc.released[i] == 'r' })
		if !slices.Equal(got, tc.want) {
			t.Errorf("passParts(%q, %d) = %v, want %v", tc.released, tc.size, got, tc.want)
		}
	}
}

// TestNoChecksDecodeWhole: with no check to run there are no passes to
// decode the workloads the loader would decode in part, so it decodes them
// whole and finds their strict errors itself.
func TestNoChecksDecodeWhole(t *testing.T) {
	bad := filepath.Join("..", "rules", "checks", "testdata", "MB001", "bad.yaml")
	res, err := Run(context.Background(), []string{bad}, Options{Workers: 2, Rules: []*rules.Rule{}, Residency: Residency{WorkloadsKept: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(slices.Collect(res.Findings.All()), func(f Finding) bool { return f.RuleID == "MB001" && strings.Contains(f.Message, "spec.backoffLimit") }) {
		t.Errorf("findings %v, want the backoffLimit problem of Job etl", res.Findings)
	}
}

package lint

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// pagesOf serves docs as pages of size documents, as meshbatch-facts
// --list would, then err (io.EOF for a stream that ends well).
func pagesOf(docs []string, size int, err error) func([]byte) ([]byte, error) {
	return func(buf []byte) ([]byte, error) {
		if len(docs) == 0 {
			return nil, err
		}
		n := min(size, len(docs))
		page := buf[:0]
		for _, d := range docs[:n] {
			page = append(page, "---\n"+d...)
		}
		docs = docs[n:]
		return page, nil
	}
}

// The live objects: a CronJob, its Job and the Job's Pod, controlled one
// by the next, a standalone Pod, and a Namespace.
var liveDocs = []string{
	`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"batch","labels":{"istio-injection":"enabled"}}}` + "\n",
	`{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"batch","uid":"u1"},"spec":{"schedule":"0 1 * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}}}` + "\n",
	`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"nightly-1","namespace":"batch","uid":"u2","ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"nightly","uid":"u1","controller":true}]},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}` + "\n",
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"nightly-1-abcde","namespace":"batch","ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"nightly-1","uid":"u2","controller":true}]},"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]},"status":{"phase":"Running"}}` + "\n",
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"debug","namespace":"batch"},"spec":{"containers":[{"name":"app","image":"etl:1"}]}}` + "\n",
	`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"etl","namespace":"batch"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}` + "\n",
}

// kindRule reports the first container's image of every workload of the
// kinds it reads, at its field in each (a Pod's spec.containers[0] is a
// Job's spec.template.spec.containers[0]): the static rules' shape, to
// see which findings are left to their controllers.
func kindRule(id string, kinds ...string) *rules.Rule {
	return &rules.Rule{
		ID: id, Slug: "test-" + strings.ToLower(id), Severity: rules.Warning, Kinds: kinds,
		Check: func(p *rules.Pass) {
			for _, k := range kinds {
				for _, o := range p.Index.OfKind(k) {
					p.Reportf(o, podSpecPath[k]+".containers[0].image", "%s", o.Ref())
				}
			}
		},
	}
}

// podSpecPath is where each kind holds its pods' spec.
var podSpecPath = map[string]string{"Pod": "spec", "Job": "spec.template.spec", "CronJob": "spec.jobTemplate.spec.template.spec"}

func lintLive(t *testing.T, paths []string, src *LiveSource, residency Residency, rs ...*rules.Rule) *Result {
	t.Helper()
	src.SpoolDir = t.TempDir()
	res, err := Run(context.Background(), paths, Options{Rules: rs, Live: src, Residency: residency, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(src.SpoolDir, "*")); len(left) > 0 {
		t.Errorf("the spool files %v are left behind", left)
	}
	return res
}

func where(fs Findings) []string {
	var out []string
	for f := range fs.All() {
		loc := f.File
		if f.Live() {
			loc = "@" + f.Context
		}
		out = append(out, f.RuleID+" "+f.Object.String()+" "+loc)
	}
	return out
}

// TestLiveFindingsNameTheObject: findings on live objects have no file or
// line but the context, in every residency; a controlled object's
// finding goes to its controller when the controller has the same
// finding at the corresponding field, and stays when it does not (a rule
// that reports on Pods alone).
func TestLiveFindingsNameTheObject(t *testing.T) {
	all := []*rules.Rule{
		kindRule("MB990", "Job", "CronJob", "Pod"), // a template rule: reported on the owners
		kindRule("MB991", "Pod"),                   // a pod-state rule: reported on every pod
	}
	want := []string{
		"MB990 CronJob batch/nightly @prod",
		"MB990 Job batch/etl @prod",
		"MB990 Pod batch/debug @prod",
		"MB991 Pod batch/debug @prod",
		"MB991 Pod batch/nightly-1-abcde @prod",
	}
	for name, r := range map[string]Residency{"default": {}, "release all": ReleaseAll, "keep all": {KeepAll: true}} {
		t.Run(name, func(t *testing.T) {
			res := lintLive(t, nil, &LiveSource{Context: "prod", Next: pagesOf(liveDocs, 2, io.EOF)}, r, all...)
			if got := where(res.Findings); !slices.Equal(got, want) {
				t.Errorf("findings:\n got %q\nwant %q", got, want)
			}
			if res.Stats.OnOwner != 2 || res.Stats.Cluster != "prod" || res.Stats.Objects != len(liveDocs) || res.Stats.Files != 0 {
				t.Errorf("stats %+v: want 2 findings on the owners, cluster prod, %d objects, no file", res.Stats, len(liveDocs))
			}
			for f := range res.Findings.All() {
				if f.Line != 0 || f.Column != 0 || f.File != "" {
					t.Errorf("%s on %s at %s:%d:%d, want no position", f.RuleID, f.Object, f.File, f.Line, f.Column)
				}
			}
		})
	}
}

// TestFilesWinOverTheCluster: a file's object replaces the cluster's of
// the same kind, namespace and name (the file names no namespace:
// kubectl apply puts it in default), and keeps its file and line.
func TestFilesWinOverTheCluster(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"etl.yaml":   jobYAML,
		"other.yaml": strings.Replace(strings.Replace(jobYAML, "name: etl", "name: report", 1), "  namespace: batch\n", "", 1),
	})
	docs := append(slices.Clone(liveDocs),
		`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"report","namespace":"default"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}`+"\n")
	res := lintLive(t, []string{filepath.Join(dir, "etl.yaml"), filepath.Join(dir, "other.yaml")},
		&LiveSource{Context: "prod", Next: pagesOf(docs, 3, io.EOF)}, Residency{}, kindRule("MB990", "Job"))
	want := []string{
		"MB990 Job batch/etl " + filepath.Join(dir, "etl.yaml"),
		"MB990 Job report " + filepath.Join(dir, "other.yaml"),
		"MB990 Job batch/nightly-1 @prod", // the rule reports on no CronJob: kept
	}
	if got := where(res.Findings); !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	if f := res.Findings.At(0); f.Line != 12 {
		t.Errorf("the file's finding is at line %d, want 12 (the image)", f.Line)
	}
	if res.Stats.LiveShadowed != 2 || !slices.ContainsFunc(res.Notices, func(n string) bool { return strings.Contains(n, "2 of its objects are defined in the files too") }) {
		t.Errorf("shadowed %d, notices %q: want the 2 cluster objects the files define said", res.Stats.LiveShadowed, res.Notices)
	}
}

// TestOwnerMustHaveTheFinding: a finding on a controlled object goes to
// its controller only when the controller has a finding of the same rule
// at the corresponding field. A Job whose pod got PILOT_CERT_DURATION in
// its injected istio-proxy (from the mesh's proxyMetadata) has a clean
// template: MB404 is the pod's, and is kept, though MB404 reads Jobs.
func TestOwnerMustHaveTheFinding(t *testing.T) {
	ns := liveDocs[0]
	job := `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"etl","namespace":"batch","uid":"u9"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}` + "\n"
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"etl-x7k2p","namespace":"batch","annotations":{"sidecar.istio.io/status":"{}"},` +
		`"ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"etl","uid":"u9","controller":true}]},` +
		`"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"},` +
		`{"name":"istio-proxy","image":"proxyv2:1.28.1","env":[{"name":"PILOT_CERT_DURATION","value":"48h"}]}]},"status":{"phase":"Running"}}` + "\n"
	res := lintLive(t, nil, &LiveSource{Context: "prod", Next: pagesOf([]string{ns, job, pod}, 2, io.EOF)}, Residency{}, checks.UnknownCertKnob)
	if got := where(res.Findings); !slices.Equal(got, []string{"MB404 Pod batch/etl-x7k2p @prod"}) {
		t.Errorf("findings %q, want MB404 on the pod", got)
	}
	if res.Stats.OnOwner != 0 {
		t.Errorf("%d findings left to an owner that does not have them", res.Stats.OnOwner)
	}

	// A rule that reads Jobs and Pods and reports on the pod alone, or at
	// another field of the Job, leaves the pod's finding in place.
	podOnly := &rules.Rule{ID: "MB993", Slug: "test-mb993", Severity: rules.Warning, Kinds: []string{"Job", "Pod"},
		Check: func(p *rules.Pass) {
			for _, o := range p.Index.OfKind("Pod") {
				p.Reportf(o, "spec.containers[0].image", "pod %s", o.Ref())
			}
			for _, o := range p.Index.OfKind("Job") {
				p.Reportf(o, "spec.template.spec.containers[0].name", "job %s", o.Ref())
			}
		}}
	res = lintLive(t, nil, &LiveSource{Context: "prod", Next: pagesOf(liveDocs, 2, io.EOF)}, Residency{}, podOnly)
	want := []string{"MB993 Job batch/etl @prod", "MB993 Job batch/nightly-1 @prod", "MB993 Pod batch/debug @prod", "MB993 Pod batch/nightly-1-abcde @prod"}
	if got := where(res.Findings); !slices.Equal(got, want) || res.Stats.OnOwner != 0 {
		t.Errorf("findings:\n got %q\nwant %q (on owner: %d, want 0)", got, want, res.Stats.OnOwner)
	}
}

// TestReplicaSetLeftToItsDeployment: a Deployment's ReplicaSets (old
// ones too) have its fields at the same paths, so a finding both have is
// reported once, on the Deployment.
func TestReplicaSetLeftToItsDeployment(t *testing.T) {
	template := `"template":{"spec":{"containers":[{"name":"app","image":"api:1"}]}}`
	deploy := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"batch","uid":"d1"},"spec":{"replicas":1,` + template + `}}` + "\n"
	rs := func(name string, replicas int) string {
		return `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"` + name + `","namespace":"batch","uid":"r-` + name + `",` +
			`"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"api","uid":"d1","controller":true}]},` +
			`"spec":{"replicas":` + strconv.Itoa(replicas) + `,` + template + `}}` + "\n"
	}
	image := &rules.Rule{ID: "MB994", Slug: "test-mb994", Severity: rules.Warning, Kinds: []string{"Deployment", "ReplicaSet"},
		Check: func(p *rules.Pass) {
			for _, k := range []string{"Deployment", "ReplicaSet"} {
				for _, o := range p.Index.OfKind(k) {
					p.Reportf(o, "spec.template.spec.containers[0].image", "%s", o.Ref())
				}
			}
		}}
	res := lintLive(t, nil, &LiveSource{Context: "prod", Next: pagesOf([]string{liveDocs[0], deploy, rs("api-new", 1), rs("api-old", 0)}, 2, io.EOF)}, Residency{}, image)
	if got := where(res.Findings); !slices.Equal(got, []string{"MB994 Deployment batch/api @prod"}) || res.Stats.OnOwner != 2 {
		t.Errorf("findings %q (on owner: %d): want the Deployment's alone, 2 left to it", got, res.Stats.OnOwner)
	}
}

// TestLiveStreamBrokenOff: a stream that fails is an input error, and
// what came before is linted.
func TestLiveStreamBrokenOff(t *testing.T) {
	res := lintLive(t, nil, &LiveSource{Context: "prod", Next: pagesOf(liveDocs[5:], 1, errors.New("the listing stopped"))}, Residency{}, kindRule("MB990", "Job"))
	if got := where(res.Findings); !slices.Equal(got, []string{"MB990 Job batch/etl @prod"}) {
		t.Errorf("findings %q", got)
	}
	if len(res.InputErrors) != 1 || !strings.Contains(res.InputErrors[0].Error(), "cluster prod: the listing stopped") {
		t.Errorf("input errors %v", res.InputErrors)
	}
}

// TestLiveUnknownFieldsAreDropped: the API server stored the cluster's
// objects, so a field these types lack is a newer cluster's: it is
// dropped, said once per kind and field in a notice, and no MB001; the
// objects are whole (no partly-invalid note on their findings), in every
// residency. A value of the wrong type is still MB001.
func TestLiveUnknownFieldsAreDropped(t *testing.T) {
	pod := func(name string) string {
		return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `","namespace":"batch"},"spec":{"futureSpecField":true,"restartPolicy":"Never",` +
			`"containers":[{"name":"app","image":"etl:1","futureContainerField":{"a":1}}]},"status":{"phase":"Running","futureStatusField":"x"}}` + "\n"
	}
	job := `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"new","namespace":"batch"},"spec":{"fieldFromTheFuture":1,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}` + "\n"
	dr := `{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"api","namespace":"batch"},"spec":{"host":"api.example.com","futureSpecField":"x",` +
		`"trafficPolicy":{"loadBalancer":{"simple":"FUTURE_LB"},"tls":{"mode":"SIMPLE","futureTLSKnob":true}},"subsets":[{"name":"v1","labels":{"v":"1"},"futureSubsetField":1}]}}` + "\n"
	wrongType := `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad","namespace":"batch"},"spec":{"backoffLimit":"six","template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}` + "\n"
	docs := []string{liveDocs[0], pod("a"), pod("b"), job, dr, wrongType}
	rule := kindRule("MB990", "Job", "Pod")
	drRule := &rules.Rule{ID: "MB995", Slug: "test-mb995", Severity: rules.Warning, Kinds: []string{"DestinationRule"},
		Check: func(p *rules.Pass) {
			for _, o := range p.Index.OfKind("DestinationRule") {
				p.Reportf(o, "spec.host", "%s is for %s", o.Ref(), rules.DestinationRule(o).GetHost())
			}
		}}
	wantNotice := "cluster prod: its objects have fields or values this meshbatch does not know (DestinationRule spec.futureSpecField, " +
		"DestinationRule spec.subsets[*].futureSubsetField, DestinationRule spec.trafficPolicy.loadBalancer.simple=FUTURE_LB, " +
		"DestinationRule spec.trafficPolicy.tls.futureTLSKnob, " +
		"Job spec.fieldFromTheFuture, Pod spec.containers[*].futureContainerField, Pod spec.futureSpecField, Pod status.futureStatusField): " +
		"they were ignored (an unknown value leaves its field unset); a newer meshbatch may know them"
	for name, r := range map[string]Residency{"default": {}, "release all": ReleaseAll, "keep all": {KeepAll: true}} {
		t.Run(name, func(t *testing.T) {
			res := lintLive(t, nil, &LiveSource{Context: "prod", Next: pagesOf(docs, 2, io.EOF)}, r, rule, drRule)
			want := []string{
				"MB995 DestinationRule batch/api @prod",
				"MB001 Job batch/bad @prod",
				"MB990 Job batch/bad @prod",
				"MB990 Job batch/new @prod",
				"MB990 Pod batch/a @prod",
				"MB990 Pod batch/b @prod",
			}
			if got := where(res.Findings); !slices.Equal(got, want) {
				t.Errorf("findings:\n got %q\nwant %q", got, want)
			}
			for f := range res.Findings.All() {
				if f.RuleID == "MB001" && !strings.Contains(f.Message, "backoffLimit") {
					t.Errorf("MB001: %s", f.Message)
				}
				if f.RuleID != "MB001" && f.Object.Name != "bad" && strings.Contains(f.Message, "partly invalid") {
					t.Errorf("%s on %s: %q: the object is whole", f.RuleID, f.Object, f.Message)
				}
				if f.RuleID == "MB995" && !strings.Contains(f.Message, "is for api.example.com") {
					t.Errorf("MB995: %q: the DestinationRule lost its spec", f.Message)
				}
			}
			if !slices.Contains(res.Notices, wantNotice) {
				t.Errorf("notices:\n%s\nwant\n%s", strings.Join(res.Notices, "\n"), wantNotice)
			}
		})
	}
}

// TestLiveSpoolIsRemovedOnError: a run that fails still removes its spool.
func TestLiveSpoolIsRemovedOnError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	next := pagesOf(liveDocs, 1, io.EOF)
	src := &LiveSource{Context: "prod", SpoolDir: dir, Next: func(b []byte) ([]byte, error) { cancel(); return next(b) }}
	if _, err := Run(ctx, nil, Options{Live: src}); err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("the spool is left behind: %v", left)
	}
}

// TestNoFixOnLiveObjects: a live object has no file for meshbatch fix to
// edit, so its findings carry no fix; the same object in a file does.
func TestNoFixOnLiveObjects(t *testing.T) {
	job := `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"etl","namespace":"batch"},"spec":{"template":{"metadata":{"annotations":{"sidecar.istio.io/proxyMemory":"128Mi"}},"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}` + "\n"
	ns := liveDocs[0]
	file := filepath.Join(t.TempDir(), "job.yaml")
	if err := os.WriteFile(file, []byte(ns+"---\n"+job), 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile, err := Run(context.Background(), []string{file}, Options{Rules: []*rules.Rule{checks.ProxyResourcesPartial}, Fixes: true})
	if err != nil {
		t.Fatal(err)
	}
	src := &LiveSource{Context: "prod", Next: pagesOf([]string{ns, job}, 2, io.EOF), SpoolDir: t.TempDir()}
	live, err := Run(context.Background(), nil, Options{Rules: []*rules.Rule{checks.ProxyResourcesPartial}, Live: src, Fixes: true})
	if err != nil {
		t.Fatal(err)
	}
	if fromFile.Findings.Len() != 1 || fromFile.Findings.At(0).Fix == nil {
		t.Fatalf("the file gives %d findings, the first with fix %v: want one MB302 with a fix", fromFile.Findings.Len(), fromFile.Findings.Len() > 0 && fromFile.Findings.At(0).Fix != nil)
	}
	if live.Findings.Len() != 1 {
		t.Fatalf("the cluster gives %d findings, want one MB302", live.Findings.Len())
	}
	if f := live.Findings.At(0); f.Fix != nil {
		t.Errorf("%s on live %s carries a fix: %+v", f.RuleID, f.Object, f.Fix)
	}
}

// TestListedNamespacesArePartial: a cluster linted in some namespaces
// (lint --cluster -n) is partial input: a "none in the input" verdict
// is silenced and counted, and a notice says why; every namespace keeps
// it.
func TestListedNamespacesArePartial(t *testing.T) {
	missing := &rules.Rule{ID: "MB994", Slug: "test-mb994", Severity: rules.Warning, Kinds: []string{"Job"},
		Check: func(p *rules.Pass) {
			for _, o := range p.Index.OfKind("Job") {
				p.Missingf(o, "spec", "%s needs a ServiceEntry, and none is in the input", o.Ref())
			}
		}}
	docs := liveDocs[5:] // the Job batch/etl
	all := lintLive(t, nil, &LiveSource{Context: "prod", Next: pagesOf(docs, 1, io.EOF)}, Residency{}, missing)
	if got := where(all.Findings); !slices.Equal(got, []string{"MB994 Job batch/etl @prod"}) || all.Stats.Silenced != 0 {
		t.Errorf("every namespace: findings %q, silenced %d; want MB994", got, all.Stats.Silenced)
	}
	some := lintLive(t, nil, &LiveSource{Context: "prod", Next: pagesOf(docs, 1, io.EOF), Namespaces: []string{"batch", "etl"}}, Residency{}, missing)
	if some.Findings.Len() != 0 || some.Stats.Silenced != 1 || some.Stats.SilencedByRule["MB994"] != 1 {
		t.Errorf("namespaces batch, etl: findings %q, silenced %v; want MB994 silenced", where(some.Findings), some.Stats.SilencedByRule)
	}
	if !slices.ContainsFunc(some.Notices, func(n string) bool {
		return strings.Contains(n, "cluster prod: only namespaces batch, etl were listed") && strings.Contains(n, "as with --partial")
	}) {
		t.Errorf("notices %q: want the partial listing said", some.Notices)
	}
}

// TestFileKeepsTheLiveStatus: a CronJob defined in a file and in the
// cluster is linted as the file says, with the cluster's status: it has
// not run for ten days, which MB703 reports on the file's CronJob, in
// every residency.
func TestFileKeepsTheLiveStatus(t *testing.T) {
	const cronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: batch
spec:
  schedule: "0 1 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: app
              image: etl:2
`
	file := filepath.Join(writeFiles(t, map[string]string{"cron.yaml": cronJob}), "cron.yaml")
	live := `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"batch","uid":"u1"},"spec":{"schedule":"0 1 * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}},"status":{"lastScheduleTime":"2026-11-26T01:00:00Z"}}` + "\n"
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for name, r := range map[string]Residency{"default": {}, "release all": ReleaseAll, "keep all": {KeepAll: true}} {
		t.Run(name, func(t *testing.T) {
			src := &LiveSource{Context: "prod", Next: pagesOf([]string{liveDocs[0], live}, 1, io.EOF), SpoolDir: t.TempDir()}
			res, err := Run(context.Background(), []string{file}, Options{Rules: []*rules.Rule{checks.CronJobStalled}, Live: src, Residency: r, Workers: 2, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got := where(res.Findings); !slices.Equal(got, []string{"MB703 CronJob batch/nightly " + file}) {
				t.Fatalf("findings %q, want MB703 on the file's CronJob", got)
			}
			if f := res.Findings.At(0); !strings.Contains(f.Message, "2026-11-26") {
				t.Errorf("message %q does not name the cluster's last schedule time", f.Message)
			}
			if res.Stats.LiveShadowed != 1 || len(res.InputErrors) > 0 {
				t.Errorf("shadowed %d, input errors %v", res.Stats.LiveShadowed, res.InputErrors)
			}
		})
	}
}

// TestOwnerContainersByName: a pod whose app waits for its proxy has
// istio-proxy first, so its containers[1] is its Job's containers[0]: a
// finding there is the Job's, and goes to it; one on the injected
// istio-proxy, which the Job does not have, stays, in every residency.
func TestOwnerContainersByName(t *testing.T) {
	job := `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"etl","namespace":"batch","uid":"u9"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}` + "\n"
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"etl-x7k2p","namespace":"batch",` +
		`"ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"etl","uid":"u9","controller":true}]},` +
		`"spec":{"restartPolicy":"Never","containers":[{"name":"istio-proxy","image":"proxyv2:1.28.1"},{"name":"app","image":"etl:1"}]}}` + "\n"
	// MB996 reports every container's image, at its index.
	images := &rules.Rule{ID: "MB996", Slug: "test-mb996", Severity: rules.Warning, Kinds: []string{"Job", "Pod"},
		Check: func(p *rules.Pass) {
			for _, w := range p.Index.Workloads {
				for i, c := range w.Template.Spec.Containers {
					p.Reportf(w.Object, w.PodPath("containers", i)+".image", "%s: %s", w.Object.Ref(), c.Name)
				}
			}
		}}
	for name, r := range map[string]Residency{"default": {}, "release all": ReleaseAll, "keep all": {KeepAll: true}} {
		t.Run(name, func(t *testing.T) {
			res := lintLive(t, nil, &LiveSource{Context: "prod", Next: pagesOf([]string{liveDocs[0], job, pod}, 1, io.EOF)}, r, images)
			var got []string
			for f := range res.Findings.All() {
				got = append(got, f.Object.String()+" "+f.FieldPath)
			}
			want := []string{"Job batch/etl spec.template.spec.containers[0].image", "Pod batch/etl-x7k2p spec.containers[0].image"}
			if !slices.Equal(got, want) || res.Stats.OnOwner != 1 {
				t.Errorf("findings:\n got %q\nwant %q (on owner: %d, want 1)", got, want, res.Stats.OnOwner)
			}
		})
	}
}

// TestFileChangingTheScheduleTakesNoStatus: a file whose CronJob has a
// new schedule is not judged by the status the cluster wrote for the old
// one (it would count runs of the new schedule as missed); it says so.
func TestFileChangingTheScheduleTakesNoStatus(t *testing.T) {
	const cronJob = `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: app, image: etl:2}]
`
	file := filepath.Join(writeFiles(t, map[string]string{"cron.yaml": cronJob}), "cron.yaml")
	live := `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"batch","uid":"u1"},"spec":{"schedule":"0 1 * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}},"status":{"lastScheduleTime":"2026-12-06T01:00:00Z"}}` + "\n"
	src := &LiveSource{Context: "prod", Next: pagesOf([]string{liveDocs[0], live}, 1, io.EOF), SpoolDir: t.TempDir()}
	res, err := Run(context.Background(), []string{file}, Options{Rules: []*rules.Rule{checks.CronJobStalled}, Live: src, Now: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.Len() != 0 {
		t.Errorf("findings %q: the new schedule was judged by the old one's status", where(res.Findings))
	}
	if !slices.ContainsFunc(res.Notices, func(n string) bool { return strings.Contains(n, "status of cluster prod was left out") }) {
		t.Errorf("notices %q do not say the status was left out", res.Notices)
	}
}

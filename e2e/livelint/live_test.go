package livelint

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"maps"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	"github.com/meshbatch/meshbatch/e2e/internal/apiserver"
)

const (
	injected = "batch" // istio-injection=enabled
	plain    = "tools"
	proxy    = "istio-proxy"
	context_ = apiserver.ReaderContext
)

func ptr[T any](v T) *T { return &v }

var (
	appContainer   = corev1.Container{Name: "app", Image: "registry.example.com/etl:1.0"}
	proxyContainer = corev1.Container{Name: proxy, Image: "docker.io/istio/proxyv2:1.28.1", Args: []string{"proxy", "sidecar"}}
	// sidecarStatus is what the injector writes on a pod it injected.
	sidecarStatus = map[string]string{"sidecar.istio.io/status": `{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy"],"imagePullSecrets":null,"revision":"default"}`}
)

// now is the instant the test's statuses are written relative to, and
// lint judges them at (--now): the reports are the same at every run.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// TestLintCluster makes each live condition in a real API server, lints
// the cluster as the reader user, and compares the reports with the
// goldens.
func TestLintCluster(t *testing.T) {
	c := startCluster(t)
	apiserver.Load(t, c.admin, "e2e/testdata/live/cluster.yaml")
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d).Truncate(time.Second)) }
	mk := &maker{t: t, c: c}

	// (a) the app finished half an hour ago; the classic proxy still runs.
	stuck := mk.job(injected, "stuck", nil, ago(time.Hour))
	mk.pod(injected, "stuck-proxy", stuck, []corev1.Container{appContainer, proxyContainer}, nil, corev1.PodStatus{
		Phase: corev1.PodRunning, StartTime: ptr(ago(time.Hour)),
		ContainerStatuses: []corev1.ContainerStatus{
			terminated("app", 0, "Completed", ago(time.Hour), ago(30*time.Minute), 0),
			running(proxy, ago(time.Hour), 0, nil),
		},
	})
	// (b) negative: a native sidecar pod that completed.
	native := mk.job(injected, "native", nil, ago(time.Hour))
	nativeProxy := proxyContainer
	nativeProxy.RestartPolicy = ptr(corev1.ContainerRestartPolicyAlways)
	mk.pod(injected, "native-done", native, []corev1.Container{appContainer}, []corev1.Container{nativeProxy}, corev1.PodStatus{
		Phase: corev1.PodSucceeded, StartTime: ptr(ago(time.Hour)),
		InitContainerStatuses: []corev1.ContainerStatus{terminated(proxy, 0, "Completed", ago(time.Hour), ago(29*time.Minute), 0)},
		ContainerStatuses:     []corev1.ContainerStatus{terminated("app", 0, "Completed", ago(time.Hour), ago(30*time.Minute), 0)},
	})
	// (c) the proxy was OOMKilled and restarted.
	oom := mk.job(injected, "oom", nil, ago(time.Hour))
	mk.pod(injected, "proxy-oom", oom, []corev1.Container{appContainer, withLimit(proxyContainer, "64Mi")}, nil, corev1.PodStatus{
		Phase: corev1.PodRunning, StartTime: ptr(ago(time.Hour)),
		ContainerStatuses: []corev1.ContainerStatus{
			running("app", ago(time.Hour), 0, nil),
			running(proxy, ago(10*time.Minute), 1, &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", StartedAt: ago(time.Hour), FinishedAt: ago(10 * time.Minute)}),
		},
	})
	// (d) negative: the proxy restarted for another reason.
	restart := mk.job(injected, "restart", nil, ago(time.Hour))
	mk.pod(injected, "proxy-restart-other", restart, []corev1.Container{appContainer, proxyContainer}, nil, corev1.PodStatus{
		Phase: corev1.PodRunning, StartTime: ptr(ago(time.Hour)),
		ContainerStatuses: []corev1.ContainerStatus{
			running("app", ago(time.Hour), 0, nil),
			running(proxy, ago(10*time.Minute), 1, &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: ago(time.Hour), FinishedAt: ago(10 * time.Minute)}),
		},
	})
	// (e) a stalled CronJob: Forbid, its Job active for three hours of a
	// ten-minute schedule, its last schedule as far behind.
	cron := mk.cronJob(injected, "stalled", "*/10 * * * *")
	stalled := mk.job(injected, "stalled-29420000", cron, ago(3*time.Hour))
	cron.Status = batchv1.CronJobStatus{
		Active:           []corev1.ObjectReference{{APIVersion: "batch/v1", Kind: "Job", Namespace: injected, Name: stalled.Name, UID: stalled.UID}},
		LastScheduleTime: ptr(ago(3 * time.Hour)),
	}
	if _, err := c.cs.BatchV1().CronJobs(injected).UpdateStatus(t.Context(), cron, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("status of CronJob %s: %v", cron.Name, err)
	}
	// (f) a pod of the injected namespace that the injector missed, and
	// negatives: an injected pod, and a pod of a namespace without
	// injection.
	mk.pod(injected, "no-proxy", nil, []corev1.Container{appContainer}, nil, corev1.PodStatus{
		Phase: corev1.PodRunning, StartTime: ptr(ago(time.Hour)),
		ContainerStatuses: []corev1.ContainerStatus{running("app", ago(time.Hour), 0, nil)},
	})
	mk.pod(plain, "plain", nil, []corev1.Container{appContainer}, nil, corev1.PodStatus{
		Phase: corev1.PodRunning, StartTime: ptr(ago(time.Hour)),
		ContainerStatuses: []corev1.ContainerStatus{running("app", ago(time.Hour), 0, nil)},
	})
	// (g) the mesh's root certificate expires in ten days.
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "istio-ca-root-cert", Namespace: injected},
		Data:       map[string]string{"root-cert.pem": rootCert(t, now.Add(10*24*time.Hour))},
	}
	if _, err := c.cs.CoreV1().ConfigMaps(injected).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Another ConfigMap, which the reader may not list, and lint must not.
	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "etl-settings", Namespace: injected}, Data: map[string]string{"k": "v"}}
	if _, err := c.cs.CoreV1().ConfigMaps(injected).Create(t.Context(), other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// (h) the app failed (exit 1) as its classic proxy started, and was
	// restarted (restartPolicy OnFailure): nothing held it. Negative: the
	// same early failure in a pod whose proxy holds the app (the
	// injector's postStart "pilot-agent wait" hook), which is another
	// cause than the proxy's start.
	onFailure := func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }
	early := mk.job(injected, "early", nil, ago(time.Hour), onFailure)
	earlyStatus := func() corev1.PodStatus {
		return corev1.PodStatus{
			Phase: corev1.PodRunning, StartTime: ptr(ago(time.Hour)),
			ContainerStatuses: []corev1.ContainerStatus{
				running("app", ago(time.Hour-10*time.Second), 1, &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: ago(time.Hour), FinishedAt: ago(time.Hour - time.Second)}),
				running(proxy, ago(time.Hour-time.Second), 0, nil),
			},
		}
	}
	spec := podSpec([]corev1.Container{appContainer, proxyContainer}, nil)
	spec.RestartPolicy = corev1.RestartPolicyOnFailure
	mk.podWith(injected, "early-app-failed", early, spec, earlyStatus(), nil)
	// The template asks for the hold, so the injector gave the proxy the
	// hook and put it first.
	hold := map[string]string{"proxy.istio.io/config": `{"holdApplicationUntilProxyStarts": true}`}
	held := mk.job(injected, "held", nil, ago(time.Hour), onFailure, func(j *batchv1.Job) { j.Spec.Template.Annotations = hold })
	holdingProxy := proxyContainer
	holdingProxy.Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"pilot-agent", "wait"}}}}
	spec = podSpec([]corev1.Container{holdingProxy, appContainer}, nil)
	spec.RestartPolicy = corev1.RestartPolicyOnFailure
	mk.podWith(injected, "held-app-failed", held, spec, earlyStatus(), hold)
	// (i) a Job whose activeDeadlineSeconds (an hour) ended two hours ago,
	// whose pod still runs, classic proxy and all. Negative: the same pod
	// of a Job whose deadline (a day) is still ahead.
	deadline := func(s int64) func(*batchv1.Job) {
		return func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = ptr(s) }
	}
	stillRunning := corev1.PodStatus{
		Phase: corev1.PodRunning, StartTime: ptr(ago(3 * time.Hour)),
		ContainerStatuses: []corev1.ContainerStatus{running("app", ago(3*time.Hour), 0, nil), running(proxy, ago(3*time.Hour), 0, nil)},
	}
	overdue := mk.job(injected, "overdue", nil, ago(3*time.Hour), deadline(3600))
	mk.pod(injected, "overdue-running", overdue, []corev1.Container{appContainer, proxyContainer}, nil, stillRunning)
	inTime := mk.job(injected, "in-time", nil, ago(3*time.Hour), deadline(86400))
	mk.pod(injected, "in-time-running", inTime, []corev1.Container{appContainer, proxyContainer}, nil, stillRunning)

	kubeconfig := apiserver.ReaderKubeconfig(t, c.env, c.admin)
	out := t.TempDir()
	text, sarif, jsonOut := filepath.Join(out, "report.txt"), filepath.Join(out, "report.sarif"), filepath.Join(out, "report.json")
	code, stdout, stderr := meshbatch(t, "lint", "--no-config", "--cluster", "--kubeconfig", kubeconfig, "--now", now.Format(time.RFC3339),
		"-f", "text", "-o", text, "-f", "sarif", "-o", sarif, "-f", "json", "-o", jsonOut)
	t.Logf("stderr:\n%s", stderr)
	if stdout != "" {
		t.Errorf("stdout: %q, want nothing (every report went to a file)", stdout)
	}
	if strings.Contains(stderr, "forbidden") || strings.Contains(stderr, "cannot list") {
		t.Errorf("the reader role lacks something lint --cluster lists:\n%s", stderr)
	}
	rep := readReport(t, jsonOut)
	wantCode := 0
	for _, f := range rep.Findings {
		if f.Severity == "error" {
			wantCode = 1
		}
	}
	if code != wantCode {
		t.Errorf("exit %d, want %d (as for files: 1 when an error is reported)", code, wantCode)
	}
	compareGolden(t, text, "report.txt")
	compareGolden(t, sarif, "report.sarif")

	catalogue := rulesCatalogue(t)
	owners := map[string]string{ // controlled object -> its controller in the cluster
		"Pod batch/stuck-proxy": "Job batch/stuck", "Pod batch/native-done": "Job batch/native",
		"Pod batch/proxy-oom": "Job batch/oom", "Pod batch/proxy-restart-other": "Job batch/restart",
		"Job batch/stalled-29420000": "CronJob batch/stalled",
		"Pod batch/early-app-failed": "Job batch/early", "Pod batch/held-app-failed": "Job batch/held",
		"Pod batch/overdue-running": "Job batch/overdue", "Pod batch/in-time-running": "Job batch/in-time",
	}
	for _, f := range rep.Findings {
		obj := f.Object.String()
		if f.File != "" || f.Line != 0 || f.Context != context_ {
			t.Errorf("%s on %s: file %q line %d context %q, want no file and context %s", f.RuleID, obj, f.File, f.Line, f.Context, context_)
		}
		if f.Object.Kind == "ConfigMap" && f.Object.Name != "istio-ca-root-cert" {
			t.Errorf("%s on %s: lint read a ConfigMap other than istio-ca-root-cert", f.RuleID, obj)
		}
		// Reported once, on the controller, unless about the object's own
		// state: the rule does not read the controller's kind.
		if owner, ok := owners[obj]; ok && slices.Contains(catalogue[f.RuleID], strings.Fields(owner)[0]) {
			t.Errorf("%s on %s: the rule reads %ss, so it reports on %s and not on the %s it controls", f.RuleID, obj, strings.Fields(owner)[0], owner, f.Object.Kind)
		}
	}
	if !slices.ContainsFunc(rep.Findings, func(f finding) bool { return f.Object.String() == "Job batch/stuck" }) {
		t.Errorf("no finding on Job batch/stuck: the static rules did not run on live objects")
	}

	checkLiveRules(t, rep, catalogue)
	checkPrecedence(t, kubeconfig)
	checkNamespaces(t, kubeconfig)
	checkErrors(t, c, kubeconfig)
}

// liveExpect are the findings the live rules make on this cluster, by
// rule id and object, once the rules exist; "!" marks a negative.
var liveExpect = map[string][]string{
	"MB701": {"Pod batch/stuck-proxy", "!Pod batch/native-done", "!Pod batch/proxy-oom"},
	"MB702": {"Pod batch/proxy-oom", "!Pod batch/proxy-restart-other", "!Pod batch/stuck-proxy"},
	"MB703": {"CronJob batch/stalled"},
	"MB704": {"Pod batch/no-proxy", "!Pod tools/plain", "!Pod batch/stuck-proxy"},
	"MB705": {"Pod batch/early-app-failed", "!Pod batch/held-app-failed", "!Pod batch/proxy-oom", "!Pod batch/stuck-proxy"},
	"MB706": {"*"}, // the expiring root certificate, on whichever object the rule reports it
	"MB707": {"Pod batch/overdue-running", "!Pod batch/in-time-running", "!Pod batch/stuck-proxy"},
}

// checkLiveRules asserts liveExpect; a live rule missing from this
// meshbatch's catalogue (meshbatch rules) fails the test.
func checkLiveRules(t *testing.T, rep report, catalogue map[string][]string) {
	t.Helper()
	for _, id := range slices.Sorted(maps.Keys(liveExpect)) {
		if _, ok := catalogue[id]; !ok {
			t.Errorf("%s is not a rule of this meshbatch (meshbatch rules): removed or renamed?", id)
			continue
		}
		var on []string
		for _, f := range rep.Findings {
			if f.RuleID == id {
				on = append(on, f.Object.String())
			}
		}
		for _, want := range liveExpect[id] {
			switch {
			case want == "*":
				if len(on) == 0 {
					t.Errorf("%s reports nothing", id)
				}
			case strings.HasPrefix(want, "!"):
				if slices.Contains(on, want[1:]) {
					t.Errorf("%s reports %s, a negative", id, want[1:])
				}
			case !slices.Contains(on, want):
				t.Errorf("%s does not report %s (it reports %q)", id, want, on)
			}
		}
	}
}

// checkPrecedence lints a file that defines Job batch/stuck with the
// cluster: the file's Job is linted, with its file and line, and the
// cluster's is not.
func checkPrecedence(t *testing.T, kubeconfig string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "stuck.yaml")
	job := `apiVersion: batch/v1
kind: Job
metadata:
  name: stuck
  namespace: batch
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: app
        image: registry.example.com/etl:2.0
`
	if err := os.WriteFile(file, []byte(job), 0o644); err != nil {
		t.Fatal(err)
	}
	jsonOut := filepath.Join(dir, "report.json")
	_, _, stderr := meshbatch(t, "lint", "--no-config", "--cluster", "--kubeconfig", kubeconfig, "-f", "json", "-o", jsonOut, "--fail-on", "none", file)
	if !strings.Contains(stderr, "1 of its objects are defined in the files too") {
		t.Errorf("stderr does not say the file's Job was linted instead of the cluster's:\n%s", stderr)
	}
	rep := readReport(t, jsonOut)
	fromFile := 0
	for _, f := range rep.Findings {
		if f.Object.String() != "Job batch/stuck" {
			continue
		}
		if f.File != file || f.Line == 0 || f.Context != "" {
			t.Errorf("%s on Job batch/stuck: file %q line %d context %q, want the file's finding", f.RuleID, f.File, f.Line, f.Context)
		}
		fromFile++
	}
	if fromFile == 0 {
		t.Errorf("no finding on the file's Job batch/stuck")
	}
}

// checkNamespaces lints one namespace: nothing of another is reported.
func checkNamespaces(t *testing.T, kubeconfig string) {
	t.Helper()
	jsonOut := filepath.Join(t.TempDir(), "report.json")
	code, _, stderr := meshbatch(t, "lint", "--no-config", "--cluster", "--kubeconfig", kubeconfig, "-n", plain, "-f", "json", "-o", jsonOut, "--fail-on", "none")
	if code != 0 {
		t.Fatalf("-n %s: exit %d\n%s", plain, code, stderr)
	}
	for _, f := range readReport(t, jsonOut).Findings {
		if ns := f.Object.Namespace; ns != plain && ns != "istio-system" && f.Object.Kind != "Namespace" {
			t.Errorf("-n %s reports %s on %s", plain, f.RuleID, f.Object)
		}
	}
	if code, _, stderr := meshbatch(t, "lint", "--cluster", "-n", plain, "-A"); code != 2 || !strings.Contains(stderr, "give one") {
		t.Errorf("-n with -A: exit %d, stderr %q; want a usage error", code, stderr)
	}
}

// checkErrors runs lint --cluster as a new user could get it wrong: a
// user without the role, credentials the API server refuses, a context
// that does not exist, and meshbatch without meshbatch-facts. Each exits
// 2 and says what failed and what to do, in the words of lint --cluster,
// without a Go stack, a raw API answer or a request URL.
func checkErrors(t *testing.T, c *cluster, reader string) {
	t.Helper()
	noRole := apiserver.WriteKubeconfig(t, apiserver.UserConfig(t, c.env, "meshbatch-e2e-nobody"), "nobody")
	badToken := apiserver.WriteKubeconfig(t, &rest.Config{Host: c.cfg.Host, TLSClientConfig: rest.TLSClientConfig{CAData: c.cfg.CAData}, BearerToken: "not-a-token"}, "expired")
	alone := t.TempDir() // meshbatch, without meshbatch-facts beside it or on PATH
	data, err := os.ReadFile(filepath.Join(env.Bin, "meshbatch"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(alone, "meshbatch"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string // on stderr, in order
	}{
		{"user without the role", []string{"--kubeconfig", noRole}, []string{
			"meshbatch: cluster nobody: cannot list configmaps, namespaces, pods, ",
			": forbidden; bind the reader to deploy/rbac/meshbatch-reader.yaml\n",
			"meshbatch: cluster nobody was read in part (said above): the report leaves out what could not be listed\n"}},
		{"refused credentials", []string{"--kubeconfig", badToken}, []string{
			"meshbatch lint --cluster: the API server of context expired refuses its credentials (401 Unauthorized): log in again or renew the kubeconfig user's token or certificate, " +
				"and check with `kubectl --kubeconfig " + badToken + " get namespaces`\n"}},
		{"unknown context", []string{"--kubeconfig", reader, "--context", "prod"}, []string{
			`meshbatch lint --cluster: no context "prod" in the kubeconfig (--kubeconfig ` + reader + `): it has e2e-reader (kubectl config get-contexts)` + "\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := meshbatch(t, append([]string{"lint", "--no-config", "--cluster", "-f", "concise"}, tc.args...)...)
			checkError(t, code, stderr, tc.want)
		})
	}
	t.Run("no meshbatch-facts", func(t *testing.T) {
		var stderr bytes.Buffer
		cmd := exec.CommandContext(t.Context(), filepath.Join(alone, "meshbatch"), "lint", "--no-config", "--cluster", "--kubeconfig", reader)
		cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		checkError(t, code, stderr.String(), []string{"meshbatch: lint --cluster runs meshbatch-facts, which is neither next to meshbatch nor on PATH: install it with `go install github.com/meshbatch/meshbatch/cmd/meshbatch-facts@latest`"})
	})
}

func checkError(t *testing.T, code int, stderr string, want []string) {
	t.Helper()
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	rest := stderr
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("stderr does not say %q (in order):\n%s", w, stderr)
			return
		}
		rest = rest[i+len(w):]
	}
	for _, raw := range []string{"goroutine ", "panic:", `{"kind"`, `Get "http`, "exit status", "meshbatch facts:"} {
		if strings.Contains(stderr, raw) {
			t.Errorf("stderr shows %q:\n%s", raw, stderr)
		}
	}
}

type objectRef struct{ Kind, Namespace, Name string }

func (o objectRef) String() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

type finding struct {
	RuleID, Severity, File, Context string
	Line                            int
	Object                          objectRef
}

type report struct{ Findings []finding }

func readReport(t *testing.T, file string) report {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return rep
}

// rulesCatalogue maps this meshbatch's rule ids to the kinds each reads.
func rulesCatalogue(t *testing.T) map[string][]string {
	t.Helper()
	code, stdout, stderr := meshbatch(t, "rules", "--format", "json")
	if code != 0 {
		t.Fatalf("meshbatch rules: exit %d\n%s", code, stderr)
	}
	var list []struct {
		ID    string
		Kinds []string
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range list {
		out[r.ID] = r.Kinds
	}
	return out
}

// compareGolden compares a report with e2e/testdata/live/NAME; -update
// rewrites the golden. Its dates are real: the statuses are written
// relative to now, and lint runs with --now.
func compareGolden(t *testing.T, file, name string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	golden := filepath.Join(env.Root, "e2e", "testdata", "live", name)
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, golden, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + itoa(i+1) + ":\n- " + wl + "\n+ " + gl
		}
	}
	return ""
}

// maker creates the test's objects as the admin, and their statuses
// through the status subresource, as the kubelet and the controllers do.
type maker struct {
	t *testing.T
	c *cluster
}

func podSpec(containers, initContainers []corev1.Container) corev1.PodSpec {
	return corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: containers, InitContainers: initContainers}
}

// job creates a Job (its template as authored, before injection), owned
// by cron if given, active since start, changed by opts.
func (m *maker) job(ns, name string, cron *batchv1.CronJob, start metav1.Time, opts ...func(*batchv1.Job)) *batchv1.Job {
	m.t.Helper()
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: batchv1.JobSpec{
			BackoffLimit: ptr(int32(0)),
			Template:     corev1.PodTemplateSpec{Spec: podSpec([]corev1.Container{appContainer}, nil)},
		},
	}
	for _, o := range opts {
		o(j)
	}
	if cron != nil {
		j.OwnerReferences = []metav1.OwnerReference{controllerRef("batch/v1", "CronJob", cron.Name, cron.UID)}
	}
	ctx := m.t.Context()
	j, err := m.c.cs.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{FieldValidation: "Strict"})
	if err != nil {
		m.t.Fatalf("creating Job %s: %v", name, err)
	}
	j.Status = batchv1.JobStatus{StartTime: &start, Active: 1}
	if j, err = m.c.cs.BatchV1().Jobs(ns).UpdateStatus(ctx, j, metav1.UpdateOptions{}); err != nil {
		m.t.Fatalf("status of Job %s: %v", name, err)
	}
	return j
}

func (m *maker) cronJob(ns, name, schedule string) *batchv1.CronJob {
	m.t.Helper()
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule, ConcurrencyPolicy: batchv1.ForbidConcurrent,
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				Template: corev1.PodTemplateSpec{Spec: podSpec([]corev1.Container{appContainer}, nil)},
			}},
		},
	}
	cj, err := m.c.cs.BatchV1().CronJobs(ns).Create(m.t.Context(), cj, metav1.CreateOptions{FieldValidation: "Strict"})
	if err != nil {
		m.t.Fatalf("creating CronJob %s: %v", name, err)
	}
	return cj
}

// pod creates a pod as the injector left it (classic or native proxy,
// with sidecar.istio.io/status when it has one), owned by job if given,
// then writes its status.
func (m *maker) pod(ns, name string, job *batchv1.Job, containers, initContainers []corev1.Container, status corev1.PodStatus) {
	m.t.Helper()
	m.podWith(ns, name, job, podSpec(containers, initContainers), status, nil)
}

// podWith is pod with the whole spec given, and the annotations the pod
// has from its template.
func (m *maker) podWith(ns, name string, job *batchv1.Job, spec corev1.PodSpec, status corev1.PodStatus, annotations map[string]string) {
	m.t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: maps.Clone(annotations)}, Spec: spec}
	if slices.ContainsFunc(append(slices.Clone(spec.Containers), spec.InitContainers...), func(c corev1.Container) bool { return c.Name == proxy }) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		maps.Copy(p.Annotations, sidecarStatus)
	}
	if job != nil {
		p.Labels = map[string]string{"batch.kubernetes.io/job-name": job.Name, "job-name": job.Name}
		p.OwnerReferences = []metav1.OwnerReference{controllerRef("batch/v1", "Job", job.Name, job.UID)}
	}
	ctx := m.t.Context()
	p, err := m.c.cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{FieldValidation: "Strict"})
	if err != nil {
		m.t.Fatalf("creating Pod %s: %v", name, err)
	}
	p.Status = status
	if _, err := m.c.cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		m.t.Fatalf("status of Pod %s: %v", name, err)
	}
}

func controllerRef(apiVersion, kind, name string, uid types.UID) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: ptr(true), BlockOwnerDeletion: ptr(true)}
}

func withLimit(c corev1.Container, memory string) corev1.Container {
	c.Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: mustQuantity(memory)}}
	return c
}

func terminated(name string, code int32, reason string, started, finished metav1.Time, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name: name, Image: "registry.example.com/" + name, ImageID: "sha256:" + strings.Repeat("0", 64), ContainerID: "containerd://" + name,
		State:        corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, StartedAt: started, FinishedAt: finished}},
		RestartCount: restarts, Started: ptr(false),
	}
}

func running(name string, since metav1.Time, restarts int32, last *corev1.ContainerStateTerminated) corev1.ContainerStatus {
	s := corev1.ContainerStatus{
		Name: name, Image: "registry.example.com/" + name, ImageID: "sha256:" + strings.Repeat("0", 64), ContainerID: "containerd://" + name,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: since}}, Ready: true,
		RestartCount: restarts, Started: ptr(true),
	}
	if last != nil {
		s.LastTerminationState = corev1.ContainerState{Terminated: last}
	}
	return s
}

// rootCert is a self-signed CA certificate expiring at notAfter, in PEM:
// what istiod publishes as istio-ca-root-cert (public, no key).
func rootCert(t *testing.T, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Organization: []string{"cluster.local"}},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

package clusterfacts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
)

// k8sVersion is the kube-apiserver hack/e2e-tools.sh builds (as in
// e2e/kubeapi); want.yaml expects its minor as kubernetesVersion.
const k8sVersion = "v1.36.1"

// casesGlob are the test clusters, relative to the repository root.
const casesGlob = "pkg/clusterfacts/testdata/*/cluster.yaml"

var (
	root, assets, bin string
	skipReason        string
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	ctrllog.SetLogger(logr.Discard())
	var err error
	if root, err = manifests.RepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	assets = os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(root, ".cache", "e2e", "k8s-"+k8sVersion)
	}
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(assets, b)); err != nil {
			if os.Getenv("CI") == "true" {
				fmt.Fprintf(os.Stderr, "FAIL: %s missing in %s; hack/e2e.sh (make e2e) installs it\n", b, assets)
				return 1
			}
			skipReason = fmt.Sprintf("%s missing in %s: run `make e2e-tools`", b, assets)
			return m.Run()
		}
	}
	// The binaries under test, built from this checkout as make build does.
	dir, err := os.MkdirTemp("", "meshbatch-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	build := exec.Command("go", "build", "-trimpath", "-o", dir+string(os.PathSeparator), "./cmd/meshbatch", "./cmd/meshbatch-facts")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: building meshbatch: %v\n%s", err, out)
		return 1
	}
	bin = dir
	return m.Run()
}

func TestFacts(t *testing.T) {
	if skipReason != "" {
		t.Skip(skipReason)
	}
	files, err := filepath.Glob(filepath.Join(root, casesGlob))
	if err != nil || len(files) < 5 {
		t.Fatalf("want the five test clusters under %s, found %d (%v)", casesGlob, len(files), err)
	}
	for _, f := range files {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) { checkCluster(t, dir) })
	}
}

// checkCluster starts a control plane, creates the cluster's objects,
// runs facts as the reader and lint with its output.
func checkCluster(t *testing.T, dir string) {
	env := &envtest.Environment{BinaryAssetsDirectory: assets, ControlPlaneStartTimeout: 2 * time.Minute}
	start := time.Now()
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting kube-apiserver and etcd: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Logf("stopping the control plane: %v", err)
		}
	})
	t.Logf("control plane up in %s", time.Since(start).Round(time.Millisecond))
	admin, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	rel, _ := filepath.Rel(root, dir)
	for _, file := range []string{"pkg/clusterfacts/testdata/system-namespaces.yaml", filepath.Join(rel, "cluster.yaml")} {
		for _, o := range manifests.Load(t, file) {
			create(ctx, t, admin, o)
		}
	}

	kubeconfig := readerKubeconfig(t, env, admin)
	var stdout, stderr bytes.Buffer
	facts := exec.CommandContext(ctx, filepath.Join(bin, "meshbatch"), "facts", "--kubeconfig", kubeconfig)
	facts.Stdout, facts.Stderr = &stdout, &stderr
	if err := facts.Run(); err != nil {
		t.Fatalf("meshbatch facts: %v\n%s", err, stderr.String())
	}
	got := stdout.String()
	header := regexp.MustCompile(`^# meshbatch facts from context e2e-reader, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n`)
	if !header.MatchString(got) {
		t.Errorf("the first line does not name the context and the time:\n%s", got)
	}
	got = header.ReplaceAllString(got, "# meshbatch facts from context CONTEXT, TIME\n")
	want := read(t, filepath.Join(dir, "want.yaml"))
	if got != want {
		t.Errorf("meshbatch facts differs from %s/want.yaml:\n--- want\n%s--- got\n%s", rel, want, got)
	}
	var notes []string
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if l != "" {
			notes = append(notes, strings.TrimPrefix(l, "meshbatch facts: "))
		}
	}
	wantNotes := lines(readIfExists(t, filepath.Join(dir, "notes.txt")))
	if !slices.Equal(notes, wantNotes) {
		t.Errorf("stderr notes:\n got %q\nwant %q (a forbidden read means the ClusterRole lacks something)", notes, wantNotes)
	}

	// lint with the facts the cluster gave.
	out := filepath.Join(t.TempDir(), "facts.yaml")
	if err := os.WriteFile(out, stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	verdicts := lintVerdicts(t, "--facts", out, filepath.Join(dir, "lint.yaml"))
	if wantV := verdictsOf(read(t, filepath.Join(dir, "lint.want"))); !slices.Equal(verdicts, wantV) {
		t.Errorf("lint with the facts: MB101 verdicts\n got %q\nwant %q", verdicts, wantV)
	}
}

// create makes one object as its author would, and a Node's status
// through the status subresource, as a kubelet does.
func create(ctx context.Context, t *testing.T, c client.Client, o manifests.Object) {
	t.Helper()
	obj := o.DeepCopy()
	status, hasStatus := obj.Object["status"]
	if err := c.Create(ctx, obj, client.FieldValidation("Strict")); err != nil {
		if o.GetKind() == "Namespace" && apierrors.IsAlreadyExists(err) {
			return // the API server's own
		}
		t.Fatalf("%s: creating %s: %v", o.File, o.ID(), err)
	}
	if hasStatus && o.GetKind() == "Node" {
		obj.Object["status"] = status
		if err := c.Status().Update(ctx, obj); err != nil {
			t.Fatalf("%s: status of %s: %v", o.File, o.ID(), err)
		}
	}
}

// readerKubeconfig creates a user bound only to the shipped ClusterRole
// and writes a kubeconfig for it, with the context e2e-reader.
func readerKubeconfig(t *testing.T, env *envtest.Environment, admin client.Client) string {
	t.Helper()
	const user = "meshbatch-e2e-reader"
	var role *rbacv1.ClusterRole
	for _, o := range manifests.Load(t, "deploy/rbac/meshbatch-reader.yaml") {
		switch o.GetKind() {
		case "ClusterRole":
			create(t.Context(), t, admin, o)
			role = &rbacv1.ClusterRole{}
			if err := json.Unmarshal(o.JSON, role); err != nil {
				t.Fatal(err)
			}
		case "ClusterRoleBinding":
			// The example binds a ServiceAccount: it must be admitted as
			// written, then the test binds its own user the same way.
			if err := admin.Create(t.Context(), o.DeepCopy(), client.DryRunAll, client.FieldValidation("Strict")); err != nil {
				t.Fatalf("the example ClusterRoleBinding is refused: %v", err)
			}
		}
	}
	if role == nil {
		t.Fatal("deploy/rbac/meshbatch-reader.yaml holds no ClusterRole")
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "meshbatch-e2e-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
	if err := admin.Create(t.Context(), binding); err != nil {
		t.Fatal(err)
	}
	u, err := env.AddUser(envtest.User{Name: user}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := u.Config()
	// The user can read namespaces but not secrets: the binding is in force.
	rc, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.List(t.Context(), &corev1.NamespaceList{}); err != nil {
		t.Fatalf("the reader cannot list namespaces: %v", err)
	}
	if err := rc.List(t.Context(), &corev1.SecretList{}); !apierrors.IsForbidden(err) {
		t.Fatalf("the reader lists secrets (%v): it must be bound to the ClusterRole only", err)
	}
	file := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(kubeconfigOf(cfg, "e2e-reader"), file); err != nil {
		t.Fatal(err)
	}
	return file
}

func kubeconfigOf(cfg *rest.Config, name string) clientcmdapi.Config {
	c := clientcmdapi.NewConfig()
	c.Clusters[name] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	c.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	c.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	c.CurrentContext = name
	return *c
}

// lintVerdicts runs the meshbatch binary's lint and returns its MB101
// findings as "MB101 error CronJob ns/name", sorted.
func lintVerdicts(t *testing.T, args ...string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(bin, "meshbatch"), append([]string{"lint", "--no-config", "-f", "json", "--fail-on", "none"}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("meshbatch lint: %v\n%s", err, stderr.String())
	}
	var rep struct {
		Findings []struct {
			RuleID, Severity string
			Object           struct{ Kind, Namespace, Name string }
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range rep.Findings {
		if f.RuleID == "MB101" {
			out = append(out, fmt.Sprintf("%s %s %s %s/%s", f.RuleID, f.Severity, f.Object.Kind, f.Object.Namespace, f.Object.Name))
		}
	}
	slices.Sort(out)
	return out
}

// verdictsOf reads a lint.want: one verdict a line, "-" for none.
func verdictsOf(text string) []string {
	var out []string
	for _, l := range lines(text) {
		if l != "-" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func read(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func readIfExists(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

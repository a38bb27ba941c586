package livelint

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
)

// k8sVersion is the kube-apiserver hack/e2e-tools.sh builds.
const k8sVersion = "v1.36.1"

var update = flag.Bool("update", false, "rewrite the goldens in e2e/testdata/live")

var (
	root, assets, bin, crds string
	skipReason              string
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	flag.Parse()
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
	if crds, err = manifests.IstioCRDs(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: locating the Istio CRDs:", err)
		return 1
	}
	// The binaries under test, built from this checkout as make build does:
	// meshbatch finds meshbatch-facts next to it.
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
	defer stopBench()
	return m.Run()
}

// cluster is a control plane with Istio's CRDs and an admin client.
type cluster struct {
	env   *envtest.Environment
	cfg   *rest.Config
	admin client.Client
	cs    kubernetes.Interface
}

func startCluster(tb testing.TB) *cluster {
	tb.Helper()
	if skipReason != "" {
		tb.Skip(skipReason)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		CRDDirectoryPaths:        []string{crds},
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 2 * time.Minute,
	}
	start := time.Now()
	cfg, err := env.Start()
	if err != nil {
		tb.Fatalf("starting kube-apiserver and etcd: %v", err)
	}
	tb.Cleanup(func() {
		if err := env.Stop(); err != nil {
			tb.Logf("stopping the control plane: %v", err)
		}
	})
	tb.Logf("control plane up in %s", time.Since(start).Round(time.Millisecond))
	cfg.QPS, cfg.Burst = 500, 1000
	admin, err := client.New(cfg, client.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &cluster{env: env, cfg: cfg, admin: admin, cs: cs}
}

// load creates the objects of a file of the repository, as written.
func (c *cluster) load(tb testing.TB, rel string) {
	tb.Helper()
	for _, o := range manifests.Load(tb, rel) {
		if err := c.admin.Create(tb.Context(), o.DeepCopy(), client.FieldValidation("Strict")); err != nil {
			if o.GetKind() == "Namespace" && apierrors.IsAlreadyExists(err) {
				continue
			}
			tb.Fatalf("%s: creating %s: %v", o.File, o.ID(), err)
		}
	}
}

// readerKubeconfig creates a user bound only to the shipped ClusterRole
// and writes a kubeconfig for it, with the context e2e-reader.
func (c *cluster) readerKubeconfig(tb testing.TB) string {
	tb.Helper()
	const user = "meshbatch-e2e-reader"
	var role *rbacv1.ClusterRole
	for _, o := range manifests.Load(tb, "deploy/rbac/meshbatch-reader.yaml") {
		if o.GetKind() != "ClusterRole" {
			continue
		}
		if err := c.admin.Create(tb.Context(), o.DeepCopy(), client.FieldValidation("Strict")); err != nil {
			tb.Fatal(err)
		}
		role = &rbacv1.ClusterRole{}
		if err := json.Unmarshal(o.JSON, role); err != nil {
			tb.Fatal(err)
		}
	}
	if role == nil {
		tb.Fatal("deploy/rbac/meshbatch-reader.yaml holds no ClusterRole")
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "meshbatch-e2e-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
	if err := c.admin.Create(tb.Context(), binding); err != nil {
		tb.Fatal(err)
	}
	u, err := c.env.AddUser(envtest.User{Name: user}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := u.Config()
	rc, err := client.New(cfg, client.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	// The binding is in force, and it is all the user has.
	if err := rc.List(tb.Context(), &corev1.NamespaceList{}); err != nil {
		tb.Fatalf("the reader cannot list namespaces: %v", err)
	}
	if err := rc.List(tb.Context(), &corev1.SecretList{}); !apierrors.IsForbidden(err) {
		tb.Fatalf("the reader lists secrets (%v): it must be bound to the ClusterRole only", err)
	}
	if err := rc.List(tb.Context(), &corev1.ConfigMapList{}); !apierrors.IsForbidden(err) {
		tb.Fatalf("the reader lists every ConfigMap (%v): only istio-ca-root-cert may be listed", err)
	}
	kc := clientcmdapi.NewConfig()
	const name = "e2e-reader"
	kc.Clusters[name] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	kc.CurrentContext = name
	file := filepath.Join(tb.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, file); err != nil {
		tb.Fatal(err)
	}
	return file
}

// meshbatch runs the built meshbatch and returns its exit code, stdout and
// stderr.
func meshbatch(tb testing.TB, args ...string) (int, string, string) {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(tb.Context(), filepath.Join(bin, "meshbatch"), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Dir = tb.TempDir()
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		tb.Fatalf("meshbatch %v: %v", args, err)
	}
	return code, stdout.String(), stderr.String()
}

func itoa(i int) string { return fmt.Sprint(i) }

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

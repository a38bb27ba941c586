// Package apiserver is the setup the e2e tests that run meshbatch's
// binaries against a real kube-apiserver share: finding etcd and
// kube-apiserver, building meshbatch and meshbatch-facts from this
// checkout, starting a control plane per test, and a user bound only to
// the shipped read-only ClusterRole (deploy/rbac/meshbatch-reader.yaml).
package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
)

// K8sVersion is the kube-apiserver hack/e2e-tools.sh builds.
const K8sVersion = "v1.36.1"

// ReaderContext is the context of the kubeconfigs ReaderKubeconfig
// writes, which reports name.
const ReaderContext = "e2e-reader"

// Env is what a package's tests share, found once by Setup.
type Env struct {
	Root   string // the repository root
	Assets string // the directory of etcd and kube-apiserver
	Bin    string // meshbatch and meshbatch-facts, built from this checkout
	// Skip says why the tests skip: etcd or kube-apiserver missing outside
	// CI. Bin is empty then.
	Skip string
}

// Setup finds the control plane's binaries (KUBEBUILDER_ASSETS, else
// .cache/e2e as hack/e2e-tools.sh leaves them) and builds the binaries
// under test, next to each other as make build puts them (meshbatch
// finds meshbatch-facts there). Missing binaries skip the tests, except
// with CI=true, where they are an error. cleanup removes the build.
func Setup() (env *Env, cleanup func(), err error) {
	ctrllog.SetLogger(logr.Discard()) // else controller-runtime complains that no logger was set
	env = &Env{}
	cleanup = func() {}
	if env.Root, err = manifests.RepoRoot(); err != nil {
		return nil, cleanup, err
	}
	env.Assets = os.Getenv("KUBEBUILDER_ASSETS")
	if env.Assets == "" {
		env.Assets = filepath.Join(env.Root, ".cache", "e2e", "k8s-"+K8sVersion)
	}
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(env.Assets, b)); err != nil {
			if os.Getenv("CI") == "true" {
				return nil, cleanup, fmt.Errorf("%s missing in %s; hack/e2e.sh (make e2e) installs it", b, env.Assets)
			}
			env.Skip = fmt.Sprintf("%s missing in %s: run `make e2e-tools`", b, env.Assets)
			return env, cleanup, nil
		}
	}
	dir, err := os.MkdirTemp("", "meshbatch-e2e-bin")
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	build := exec.Command("go", "build", "-trimpath", "-o", dir+string(os.PathSeparator), "./cmd/meshbatch", "./cmd/meshbatch-facts")
	build.Dir = env.Root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, cleanup, fmt.Errorf("building meshbatch: %v\n%s", err, out)
	}
	env.Bin = dir
	return env, cleanup, nil
}

// Start starts etcd and kube-apiserver, with the CRDs of crdPaths, and
// stops them when the test ends; it skips the test when env.Skip says.
func (env *Env) Start(tb testing.TB, crdPaths ...string) (*envtest.Environment, *rest.Config) {
	tb.Helper()
	if env.Skip != "" {
		tb.Skip(env.Skip)
	}
	te := &envtest.Environment{
		BinaryAssetsDirectory: env.Assets,
		CRDDirectoryPaths:     crdPaths,
		ErrorIfCRDPathMissing: len(crdPaths) > 0,
		// etcd and the apiserver compete with the test build for 2 cores.
		ControlPlaneStartTimeout: 2 * time.Minute,
	}
	start := time.Now()
	cfg, err := te.Start()
	if err != nil {
		tb.Fatalf("starting kube-apiserver and etcd: %v", err)
	}
	tb.Cleanup(func() {
		if err := te.Stop(); err != nil {
			tb.Logf("stopping the control plane: %v", err)
		}
	})
	tb.Logf("control plane up in %s", time.Since(start).Round(time.Millisecond))
	return te, cfg
}

// ReaderKubeconfig creates a user bound only to the ClusterRole of
// deploy/rbac/meshbatch-reader.yaml, checks that the binding is in force
// and is all the user has, and writes a kubeconfig for it with the
// context ReaderContext. The file's example ClusterRoleBinding (of a
// ServiceAccount) must be admitted as written: it is tried with dry run.
func ReaderKubeconfig(tb testing.TB, te *envtest.Environment, admin client.Client) string {
	tb.Helper()
	const user = "meshbatch-e2e-reader"
	ctx := tb.Context()
	var role *rbacv1.ClusterRole
	for _, o := range manifests.Load(tb, "deploy/rbac/meshbatch-reader.yaml") {
		switch o.GetKind() {
		case "ClusterRole":
			if err := admin.Create(ctx, o.DeepCopy(), client.FieldValidation("Strict")); err != nil {
				tb.Fatalf("%s: creating %s: %v", o.File, o.ID(), err)
			}
			role = &rbacv1.ClusterRole{}
			if err := json.Unmarshal(o.JSON, role); err != nil {
				tb.Fatal(err)
			}
		case "ClusterRoleBinding":
			if err := admin.Create(ctx, o.DeepCopy(), client.DryRunAll, client.FieldValidation("Strict")); err != nil {
				tb.Fatalf("the example ClusterRoleBinding is refused: %v", err)
			}
		}
	}
	if role == nil {
		tb.Fatal("deploy/rbac/meshbatch-reader.yaml holds no ClusterRole")
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
	if err := admin.Create(ctx, binding); err != nil {
		tb.Fatal(err)
	}
	cfg := UserConfig(tb, te, user)
	rc, err := client.New(cfg, client.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := rc.List(ctx, &corev1.NamespaceList{}); err != nil {
		tb.Fatalf("the reader cannot list namespaces: %v", err)
	}
	if err := rc.List(ctx, &corev1.SecretList{}); !apierrors.IsForbidden(err) {
		tb.Fatalf("the reader lists secrets (%v): it must be bound to the ClusterRole only", err)
	}
	if err := rc.List(ctx, &corev1.ConfigMapList{}); !apierrors.IsForbidden(err) {
		tb.Fatalf("the reader lists every ConfigMap (%v): only istio-ca-root-cert may be listed", err)
	}
	return WriteKubeconfig(tb, cfg, ReaderContext)
}

// UserConfig adds a user the API server authenticates (by client
// certificate), bound to nothing, and returns its client configuration.
func UserConfig(tb testing.TB, te *envtest.Environment, name string) *rest.Config {
	tb.Helper()
	u, err := te.AddUser(envtest.User{Name: name}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return u.Config()
}

// WriteKubeconfig writes a kubeconfig of cfg's server and credentials
// whose only context, the current one, is name, in the test's temporary
// directory.
func WriteKubeconfig(tb testing.TB, cfg *rest.Config, name string) string {
	tb.Helper()
	file := filepath.Join(tb.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(Kubeconfig(cfg, name), file); err != nil {
		tb.Fatal(err)
	}
	return file
}

// Kubeconfig is a kubeconfig of cfg's server and credentials whose only
// context, the current one, is name.
func Kubeconfig(cfg *rest.Config, name string) clientcmdapi.Config {
	c := clientcmdapi.NewConfig()
	c.Clusters[name] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	c.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	c.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	c.CurrentContext = name
	return *c
}

// Result is what a run of one of the built binaries did.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs a binary of env.Bin (meshbatch or meshbatch-facts) in a
// temporary directory, with the environment given (KEY=VALUE) added to
// the test's.
func (env *Env) Run(tb testing.TB, prog string, environ []string, args ...string) Result {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(tb.Context(), filepath.Join(env.Bin, prog), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Dir = tb.TempDir()
	if environ != nil {
		cmd.Env = append(os.Environ(), environ...)
	}
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
	case err != nil:
		tb.Fatalf("%s %q: %v", prog, args, err)
	}
	return res
}

// Load creates the objects of a file of the repository as their author
// would, and writes the status a document has through the status
// subresource, as a kubelet or a controller does. The API server's own
// namespaces, created again, are left as they are.
func Load(tb testing.TB, c client.Client, rel string) {
	tb.Helper()
	for _, o := range manifests.Load(tb, rel) {
		obj := o.DeepCopy()
		status, hasStatus := obj.Object["status"]
		if err := c.Create(tb.Context(), obj, client.FieldValidation("Strict")); err != nil {
			if o.GetKind() == "Namespace" && apierrors.IsAlreadyExists(err) {
				continue
			}
			tb.Fatalf("%s: creating %s: %v", o.File, o.ID(), err)
		}
		if hasStatus {
			obj.Object["status"] = status
			if err := c.Status().Update(tb.Context(), obj); err != nil {
				tb.Fatalf("%s: status of %s: %v", o.File, o.ID(), err)
			}
		}
	}
}

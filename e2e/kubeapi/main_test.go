package kubeapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
)

// k8sVersion is the kube-apiserver hack/e2e-tools.sh builds; keep it in step
// with K8S_VERSION there and with the k8s.io/* versions in go.mod.
const k8sVersion = "v1.36.1"

var (
	k8s         client.Client
	cfg         *rest.Config
	warnings    = &warningLog{}
	installed   int    // Istio CRDs envtest installed
	skipReason  string // set when the binaries are missing outside CI
	crdFilePath string
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	ctrllog.SetLogger(logr.Discard()) // else controller-runtime complains that no logger was set
	assets, err := assetsDir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "FAIL: %v\nCI=true: the API server tests must run; hack/e2e.sh (make e2e) installs the binaries first\n", err)
			return 1
		}
		skipReason = fmt.Sprintf("%v: run `make e2e-tools` (or `make e2e`) to get them", err)
		fmt.Fprintln(os.Stderr, "SKIP:", skipReason)
		return m.Run()
	}
	crdFilePath, err = manifests.IstioCRDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: locating the Istio CRDs:", err)
		return 1
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{crdFilePath},
		ErrorIfCRDPathMissing: true,
		// etcd and the apiserver compete with the test build for 2 cores in CI.
		ControlPlaneStartTimeout: 2 * time.Minute,
	}
	start := time.Now()
	cfg, err = env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: starting kube-apiserver and etcd:", err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
		}
	}()
	installed = len(env.CRDs)
	fmt.Fprintf(os.Stderr, "kube-apiserver from %s up with %d Istio CRDs in %s\n", assets, installed, time.Since(start).Round(time.Millisecond))
	cfg.WarningHandlerWithContext = warnings
	if k8s, err = client.New(cfg, client.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	return m.Run()
}

// assetsDir is the folder holding kube-apiserver and etcd: KUBEBUILDER_ASSETS,
// else where hack/e2e-tools.sh puts them.
func assetsDir() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		root, err := manifests.RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, ".cache", "e2e", "k8s-"+k8sVersion)
	}
	var missing []string
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if fi, err := os.Stat(filepath.Join(dir, bin)); err != nil || fi.Mode()&0o111 == 0 {
			missing = append(missing, bin)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%s missing in %s", strings.Join(missing, " and "), dir)
	}
	return dir, nil
}

// needServer skips (or, in CI, fails: TestMain already did) when there is no
// control plane.
func needServer(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

// warningLog collects the API server's warning headers. The tests submit one
// object at a time, so reset-then-read attributes each warning to its request.
type warningLog struct {
	mu   sync.Mutex
	list []string
}

func (w *warningLog) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.list
	w.list = nil
	return l
}

// TestControlPlane checks that the tests talk to the Kubernetes the tools
// script builds and that every Istio CRD the module ships got installed.
func TestControlPlane(t *testing.T) {
	needServer(t)
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := dc.ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != k8sVersion {
		t.Errorf("kube-apiserver reports %s, want %s (rebuild with `make e2e-tools` after changing K8S_VERSION)", v.GitVersion, k8sVersion)
	}
	data, err := os.ReadFile(crdFilePath)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Count(string(data), "\nkind: CustomResourceDefinition")
	if want == 0 || installed != want {
		t.Errorf("envtest installed %d CRDs, %s holds %d", installed, crdFilePath, want)
	}
	for _, group := range []string{"security.istio.io/v1", "networking.istio.io/v1"} {
		if _, err := dc.ServerResourcesForGroupVersion(group); err != nil {
			t.Errorf("%s not served: %v", group, err)
		}
	}
}

var errNoNamespace = errors.New("namespaced object without metadata.namespace: generated manifests must say where they go")

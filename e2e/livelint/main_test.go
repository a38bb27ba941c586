package livelint

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/meshbatch/meshbatch/e2e/internal/apiserver"
	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
)

var update = flag.Bool("update", false, "rewrite the goldens in e2e/testdata/live")

var (
	env  *apiserver.Env
	crds string // Istio's CRDs
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	flag.Parse()
	e, cleanup, err := apiserver.Setup()
	defer cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	env = e
	if crds, err = manifests.IstioCRDs(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: locating the Istio CRDs:", err)
		return 1
	}
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
	te, cfg := env.Start(tb, crds)
	cfg.QPS, cfg.Burst = 500, 1000
	admin, err := client.New(cfg, client.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &cluster{env: te, cfg: cfg, admin: admin, cs: cs}
}

// meshbatch runs the built meshbatch and returns its exit code, stdout and
// stderr.
func meshbatch(tb testing.TB, args ...string) (int, string, string) {
	tb.Helper()
	r := env.Run(tb, "meshbatch", nil, args...)
	return r.Code, r.Stdout, r.Stderr
}

func itoa(i int) string { return fmt.Sprint(i) }

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

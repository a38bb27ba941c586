package livelint

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/meshbatch/meshbatch/e2e/internal/apiserver"
)

// The benchmark cluster: benchJobs Jobs with benchPodsPerJob pods each,
// in benchNamespaces injected namespaces, created once per run of the
// test binary (with concurrent creates) and stopped by TestMain.
const (
	benchNamespaces = 10
	benchJobs       = 2000
	benchPodsPerJob = 5
	benchWorkers    = 16
)

var bench struct {
	once       sync.Once
	env        *envtest.Environment
	kubeconfig string
	err        error
	setup      time.Duration
}

func stopBench() {
	if bench.env != nil {
		_ = bench.env.Stop()
	}
}

// benchCluster starts the control plane and fills it, once.
func benchCluster(b *testing.B) string {
	b.Helper()
	if env.Skip != "" {
		b.Skip(env.Skip)
	}
	bench.once.Do(func() { bench.kubeconfig, bench.err = fillBenchCluster() })
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.kubeconfig
}

func fillBenchCluster() (string, error) {
	start := time.Now()
	bench.env = &envtest.Environment{BinaryAssetsDirectory: env.Assets, CRDDirectoryPaths: []string{crds}, ErrorIfCRDPathMissing: true, ControlPlaneStartTimeout: 2 * time.Minute}
	cfg, err := bench.env.Start()
	if err != nil {
		return "", err
	}
	cfg.QPS, cfg.Burst = 2000, 4000
	c := &cluster{env: bench.env, cfg: cfg}
	if c.cs, err = kubernetes.NewForConfig(cfg); err != nil {
		return "", err
	}
	ctx := context.Background()
	for i := range benchNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%d", i), Labels: map[string]string{"istio-injection": "enabled"}}}
		if _, err := c.cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			return "", err
		}
	}
	// Each worker creates whole Jobs: the Job, then its pods and their
	// statuses.
	jobs := make(chan int)
	errs := make(chan error, benchWorkers)
	var wg sync.WaitGroup
	for range benchWorkers {
		wg.Go(func() {
			for i := range jobs {
				if err := createBenchJob(c, i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range benchJobs {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return "", err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return "", err
	default:
	}
	dir, err := os.MkdirTemp("", "meshbatch-bench")
	if err != nil {
		return "", err
	}
	file := filepath.Join(dir, "kubeconfig")
	bench.setup = time.Since(start)
	return file, clientcmd.WriteToFile(apiserver.Kubeconfig(cfg, "bench"), file)
}

func createBenchJob(c *cluster, i int) error {
	ctx := context.Background()
	ns := fmt.Sprintf("bench-%d", i%benchNamespaces)
	started := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("etl-%d", i), Namespace: ns},
		Spec: batchv1.JobSpec{
			Parallelism: ptr(int32(benchPodsPerJob)), Completions: ptr(int32(benchPodsPerJob)),
			Template: corev1.PodTemplateSpec{Spec: podSpec([]corev1.Container{appContainer}, nil)},
		},
	}
	j, err := c.cs.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	for k := range benchPodsPerJob {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s-%d", j.Name, k), Namespace: ns, Annotations: sidecarStatus,
				Labels:          map[string]string{"job-name": j.Name},
				OwnerReferences: []metav1.OwnerReference{controllerRef("batch/v1", "Job", j.Name, j.UID)},
			},
			Spec: podSpec([]corev1.Container{appContainer, proxyContainer}, nil),
		}
		if p, err = c.cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			return err
		}
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &started, ContainerStatuses: []corev1.ContainerStatus{
			running("app", started, 0, nil), running(proxy, started, 0, nil),
		}}
		if _, err := c.cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkLintCluster lints 10,000 pods and 2,000 Jobs in a local
// kube-apiserver with the built binaries, and reports separately the
// listing (meshbatch-facts --list into a file), the lint of that stream
// (meshbatch lint --cluster --cluster-stream: load and rules), the two
// piped as lint --cluster runs them, and the lint's peak memory.
func BenchmarkLintCluster(b *testing.B) {
	kubeconfig := benchCluster(b)
	b.Logf("created %d Jobs and %d pods with their statuses in %s", benchJobs, benchJobs*benchPodsPerJob, bench.setup.Round(time.Second))
	stream := filepath.Join(b.TempDir(), "cluster.stream")
	var list, rules, total time.Duration
	var rss int64
	var size int64
	b.ResetTimer()
	for b.Loop() {
		d, _ := runTimed(b, stream, filepath.Join(env.Bin, "meshbatch-facts"), "--list", "--kubeconfig", kubeconfig)
		list += d
		d, r := runTimed(b, "", filepath.Join(env.Bin, "meshbatch"), "lint", "--no-config", "--cluster", "--cluster-stream", stream, "-f", "json", "-o", os.DevNull, "--fail-on", "none")
		rules += d
		rss = max(rss, r)
		d, _ = runTimed(b, "", filepath.Join(env.Bin, "meshbatch"), "lint", "--no-config", "--cluster", "--kubeconfig", kubeconfig, "-f", "json", "-o", os.DevNull, "--fail-on", "none")
		total += d
		if fi, err := os.Stat(stream); err == nil {
			size = fi.Size()
		}
	}
	n := float64(b.N)
	b.ReportMetric(list.Seconds()/n, "list-s/op")
	b.ReportMetric(rules.Seconds()/n, "lint-s/op")
	b.ReportMetric(total.Seconds()/n, "cluster-s/op")
	b.ReportMetric(float64(rss)/1024, "lint-maxrss-MiB")
	b.ReportMetric(float64(size)/(1<<20), "stream-MiB")
}

// runTimed runs a program (its stdout to file when given) and returns its
// wall time and peak resident memory in KiB.
func runTimed(b *testing.B, file, prog string, args ...string) (time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Stdout = io.Discard
	if file != "" {
		f, err := os.Create(file)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		cmd.Stdout = f
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("%s %v: %v\n%s", filepath.Base(prog), args, err, stderr.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return d, rss
}

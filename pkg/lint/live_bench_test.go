package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbatch/meshbatch/pkg/livestream"
)

// liveBenchDocs are 2,000 Jobs and 5 pods of each, as an API server lists
// them (compact JSON, managedFields, statuses), in 10 injected namespaces.
func liveBenchDocs(b *testing.B) []string {
	b.Helper()
	start := metav1.NewTime(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	var docs []string
	add := func(v any) {
		js, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		var page bytes.Buffer
		livestream.NewWriter(&page).Page([][]byte{js}) // as meshbatch-facts writes it
		_, doc, _ := strings.Cut(page.String(), "---\n")
		docs = append(docs, strings.TrimSuffix(doc, "\n\n")+"\n")
	}
	for i := range 10 {
		add(&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%d", i), Labels: map[string]string{"istio-injection": "enabled"}}})
	}
	mf := []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &start,
		FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}`)}}
	app := corev1.Container{Name: "app", Image: "registry.example.com/etl:1.0"}
	proxy := corev1.Container{Name: "istio-proxy", Image: "docker.io/istio/proxyv2:1.28.1", Args: []string{"proxy", "sidecar"}}
	running := func(name string) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: name, Ready: true, Image: name, ImageID: "sha256:0", ContainerID: "containerd://" + name,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: start}}}
	}
	for i := range 2000 {
		ns := fmt.Sprintf("bench-%d", i%10)
		name := fmt.Sprintf("etl-%d", i)
		add(&batchv1.Job{TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: "uid", ManagedFields: mf},
			Spec:       batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{app}}}},
			Status:     batchv1.JobStatus{Active: 5, StartTime: &start}})
		for k := range 5 {
			add(&corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", name, k), Namespace: ns, ManagedFields: mf,
					Annotations:     map[string]string{"sidecar.istio.io/status": `{"initContainers":["istio-init"],"containers":["istio-proxy"]}`},
					Labels:          map[string]string{"job-name": name},
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: name, UID: "uid", Controller: new(true)}}},
				Spec:   corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{app, proxy}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &start, ContainerStatuses: []corev1.ContainerStatus{running("app"), running("istio-proxy")}}})
		}
	}
	return docs
}

// BenchmarkLintLive lints 10,000 pods and 2,000 Jobs from a stream in
// pages of 500, every rule: the rule time of lint --cluster without the
// API server (e2e/livelint BenchmarkLintCluster has the listing).
func BenchmarkLintLive(b *testing.B) {
	docs := liveBenchDocs(b)
	dir := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		res, err := Run(context.Background(), nil, Options{Live: &LiveSource{Context: "bench", SpoolDir: dir, Next: pagesOf(docs, 500, io.EOF)}})
		if err != nil {
			b.Fatal(err)
		}
		if res.Stats.Objects != len(docs) {
			b.Fatalf("%d objects, want %d", res.Stats.Objects, len(docs))
		}
	}
}

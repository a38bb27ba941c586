package generate

import (
	"encoding/json"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// QuitCommand stops istio-proxy from the app container (see
// mesh.QuitCommand). Generated pods leave the status port at its default.
var QuitCommand = mesh.QuitCommand(mesh.DefaultStatusPort)

// classicWrapper runs the app under /bin/sh for a classic sidecar and
// stops the proxy when it ends (see mesh.ClassicWrapper).
var classicWrapper = mesh.ClassicWrapper(mesh.DefaultStatusPort)

// wrapperName is $0 of the wrapper shell, shown in its error messages.
const wrapperName = mesh.WrapperName

// proxyConfig is the proxy.istio.io/config annotation: a ProxyConfig as
// JSON, the documented form. encoding/json writes the fields in this
// order and the map keys sorted, so the text is stable.
type proxyConfig struct {
	HoldApplicationUntilProxyStarts bool              `json:"holdApplicationUntilProxyStarts,omitempty"`
	ProxyMetadata                   map[string]string `json:"proxyMetadata,omitempty"`
}

// proxyConfigAnnotation returns the annotation's value, or "" when the
// pod needs none.
func (j *Job) proxyConfigAnnotation() string {
	var pc proxyConfig
	md := map[string]string{}
	if j.Mode == ModeClassicSidecar {
		// Without it the app may start before its proxy and get
		// "connection refused"; native sidecars are ordered by Kubernetes.
		pc.HoldApplicationUntilProxyStarts = true
	}
	if j.CertTTL > 0 {
		md["SECRET_TTL"] = formatDuration(j.CertTTL)
	}
	if j.needsDNSCapture() {
		// A TCP ServiceEntry without addresses is matched on its port
		// alone (0.0.0.0:<port>): let the proxy answer DNS for the host
		// with an address of its own. The sidecar uses allocated
		// addresses when it captures DNS and either it asks for the
		// agent's allocation (ISTIO_META_DNS_AUTO_ALLOCATE) or istiod
		// allocates (PILOT_ENABLE_IP_AUTOALLOCATE, on by default from
		// 1.25, where the former is deprecated): pilot/pkg/model/service.go
		// nodeUsesAutoallocatedIPs, pilot/pkg/features/pilot.go.
		md["ISTIO_META_DNS_CAPTURE"] = "true"
		if j.IstioVersion.AtLeast(1, 25) != mesh.Yes {
			md["ISTIO_META_DNS_AUTO_ALLOCATE"] = "true"
		}
	}
	if len(md) > 0 {
		pc.ProxyMetadata = md
	}
	if !pc.HoldApplicationUntilProxyStarts && pc.ProxyMetadata == nil {
		return ""
	}
	out, err := json.Marshal(pc)
	if err != nil {
		panic(err) // a bool and a map of strings always marshal
	}
	return string(out)
}

// needsDNSCapture reports whether a sidecar needs DNS capture: some
// external destination is a TCP port without addresses.
func (j *Job) needsDNSCapture() bool {
	if !j.Mode.Sidecar() {
		return false
	}
	for _, d := range j.External {
		if tcpPort(d.Protocol, d.TLS) && len(d.Addresses) == 0 {
			return true
		}
	}
	return false
}

// formatDuration writes a duration the way people do ("48h", "1h30m"),
// in Go syntax, which is what pilot-agent parses.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// podTemplate is the job's pod: injection by label, every Istio
// annotation on the template (the Job's own metadata is ignored by the
// injector).
func (b builder) podTemplate() corev1.PodTemplateSpec {
	j := b.job
	labels := b.labels()
	labels[LabelJob] = j.Name
	annotations := map[string]string{}
	switch j.Mode {
	case ModeNativeSidecar:
		labels[mesh.LabelInject] = "true"
		annotations[mesh.AnnotNative] = "true"
	case ModeClassicSidecar:
		labels[mesh.LabelInject] = "true"
		if j.IstioVersion.AtLeast(1, 24) != mesh.No {
			// Pin the classic layout the wrapper is written for, even where
			// istiod would default to native sidecars (1.27+ on 1.33+ nodes).
			annotations[mesh.AnnotNative] = "false"
		}
	}
	if pc := j.proxyConfigAnnotation(); pc != "" {
		annotations[mesh.AnnotProxyConfig] = pc
	}
	if p := j.Proxy; p != nil {
		annotations[mesh.AnnotProxyCPU] = p.CPU.String()
		annotations[mesh.AnnotProxyMemory] = p.Memory.String()
		annotations[mesh.AnnotProxyCPULimit] = p.CPULimit.String()
		annotations[mesh.AnnotProxyMemLimit] = p.MemoryLimit.String()
	}
	if len(annotations) == 0 {
		annotations = nil
	}

	app := corev1.Container{
		Name:      j.Name,
		Image:     j.Image,
		Command:   j.Command,
		Args:      j.Args,
		Env:       j.Env,
		Resources: j.Resources,
	}
	if j.Mode == ModeClassicSidecar {
		app.Command = []string{"/bin/sh", "-c", classicWrapper, wrapperName}
		app.Args = append(append([]string{}, j.Command...), j.Args...)
	}
	var automount *bool
	if j.KubernetesAPI {
		// The ServiceAccount mounts no token (the proxy has its own);
		// an API client needs one, and the pod's setting wins.
		on := true
		automount = &on
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
		Spec: corev1.PodSpec{
			ServiceAccountName:           j.ServiceAccount,
			AutomountServiceAccountToken: automount,
			RestartPolicy:                corev1.RestartPolicyNever,
			Containers:                   []corev1.Container{app},
		},
	}
}

func (b builder) jobSpec() batchv1.JobSpec {
	j := b.job
	deadline := int64(j.Deadline.Round(time.Second) / time.Second)
	ttl := int32(j.TTLAfterFinished.Round(time.Second) / time.Second)
	return batchv1.JobSpec{
		ActiveDeadlineSeconds:   &deadline,
		BackoffLimit:            j.BackoffLimit,
		TTLSecondsAfterFinished: &ttl,
		Template:                b.podTemplate(),
	}
}

// workload is the Job, or the CronJob when the spec has a schedule.
func (b builder) workload() Object {
	j := b.job
	if j.Schedule == "" {
		job := &batchv1.Job{
			TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
			ObjectMeta: b.meta(j.Namespace, j.Name),
			Spec:       b.jobSpec(),
		}
		return Object{Kind: "Job", Namespace: job.Namespace, Name: job.Name, Obj: job}
	}
	cj := &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: b.meta(j.Namespace, j.Name),
		Spec: batchv1.CronJobSpec{
			Schedule: j.Schedule,
			// Safe because every pod meshbatch generates ends: a run that
			// is still going when the next is due skips it, not piles up.
			ConcurrencyPolicy: batchv1.ForbidConcurrent,
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.labels()},
				Spec:       b.jobSpec(),
			},
		},
	}
	return Object{Kind: "CronJob", Namespace: cj.Namespace, Name: cj.Name, Obj: cj}
}

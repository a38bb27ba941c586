package rules

import (
	"time"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// Peer is what a lookup (WorkloadsIn, SelectedWorkloads, Batch, AllBatch)
// tells of a workload: its object and the summary taken when it was
// loaded. The engine may have released the workload a lookup returns (see
// Workload.Release), so a Peer has no way to its pod template: only the
// workloads of a rule's own loop are decoded.
type Peer struct{ w *Workload }

// Peer returns what a lookup would tell of w.
func (w *Workload) Peer() Peer { return Peer{w} }

// Object is the workload's object. Read its metadata, not its Typed
// field: that is nil while the workload is released.
func (p Peer) Object() *manifest.Object { return p.w.Object }

// Namespace is the object's namespace, "default" when unset.
func (p Peer) Namespace() string { return p.w.Namespace }

// Labels are the pod template's labels.
func (p Peer) Labels() PodLabels { return p.w.summary.labels }

// ServiceAccount is the service account the pods run as.
func (p Peer) ServiceAccount() string { return p.w.summary.serviceAccount }

// IsBatch reports whether the workload is a Job or CronJob.
func (p Peer) IsBatch() bool { return p.w.summary.batch }

// Ports are the app containers' ports, in order.
func (p Peer) Ports() []ContainerPort { return p.w.summary.ports }

// CapturesDNS reports whether the pod's proxy.istio.io/config sets
// ISTIO_META_DNS_CAPTURE, and AutoAllocates whether it also sets
// ISTIO_META_DNS_AUTO_ALLOCATE, to "true".
func (p Peer) CapturesDNS() bool   { return p.w.summary.dnsCapture }
func (p Peer) AutoAllocates() bool { return p.w.summary.dnsAutoAllocate }

// AnyWorkload is a *Workload from a rule's loop or a Peer from a lookup:
// what the lookups that read only a workload's summary (Index.Injection,
// HasSidecar, InMesh) take.
type AnyWorkload interface{ workload() *Workload }

func (w *Workload) workload() *Workload { return w }
func (p Peer) workload() *Workload      { return p.w }

// JobStarted is a Job's status.startTime; ok is false for other
// workloads and for a Job without one (a manifest, or one not started).
func (p Peer) JobStarted() (t time.Time, ok bool) {
	if p.w.summary.jobStart == 0 {
		return time.Time{}, false
	}
	return time.Unix(p.w.summary.jobStart, 0).UTC(), true
}

// JobDeadline is a Job's activeDeadlineSeconds; ok is false for other
// workloads and for a Job without one.
func (p Peer) JobDeadline() (d time.Duration, ok bool) {
	return time.Duration(p.w.summary.jobDeadline) * time.Second, p.w.summary.jobDeadline > 0
}

package lint

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// LiveSource is a cluster's objects, read a page at a time (meshbatch
// lint --cluster; the pages come from meshbatch-facts --list). They are
// linted with the files of the run, if any, as the rest of the mesh: a
// file wins over a live object of the same kind, namespace and name.
//
// Live objects have no file. Their findings name the object and Context
// (Finding.Context) and have no line. Each page is written to a spool
// file in SpoolDir as it arrives, and decoded; the next page is read
// once it is, so that the run holds one page of raw objects at a time:
// the passes decode released objects again from the spool, which Run
// removes.
type LiveSource struct {
	Context string
	// Next returns the next page of YAML documents, read into buf's
	// storage when it is large enough; io.EOF after the last page.
	Next func(buf []byte) ([]byte, error)
	// SpoolDir is where the spool file goes; "" is os.TempDir().
	SpoolDir string
	// Namespaces are the namespaces listed (lint --cluster -n), nil for
	// every namespace. Then the cluster is linted as partial input
	// (Options.Partial): an object missing from the listed namespaces may
	// be in another, so "none in the input" verdicts stay silent.
	Namespaces []string
}

// partialNotice says why a run of a cluster's listed namespaces is
// partial, once.
func (src *LiveSource) partialNotice() string {
	listed := "namespace " + src.Namespaces[0] + " was"
	if len(src.Namespaces) > 1 {
		listed = "namespaces " + strings.Join(src.Namespaces, ", ") + " were"
	}
	return fmt.Sprintf("cluster %s: only %s listed (with the mesh's root namespace): checks that report an object missing "+
		"from the input stayed silent, as with --partial, since it may be in a namespace not listed; lint every namespace to run them",
		src.Context, listed)
}

// liveRun is a run's live input: where its pages are spooled, and what
// the loader learnt of its objects.
type liveRun struct {
	context string
	spool   *os.File
	name    string // spool.Name(): the File of every live object
	size    int64  // bytes written
	lines   int    // lines written
	// owners are the controllers (ownerReferences with controller: true)
	// of the live objects that have one.
	owners   map[*manifest.Object]ownerRef
	shadowed int // live objects a file defines too, left out
	onOwner  int // findings on a controlled object left to its owner
	// unknown are the fields of live objects these types lack, dropped
	// (manifest.ReadStoredDocument).
	unknown map[manifest.UnknownField]bool
	// pagesHeld counts the pages read whose raw bytes are not yet
	// recycled (decoded, and their buffer back in fileBufs), mostHeld
	// the most at once: the loader's bound, which a test holds to one.
	pagesHeld atomic.Int32
	mostHeld  int32
}

// ownerRef is an object's controller: same namespace, by kind and name.
type ownerRef struct{ kind, name string }

func newLiveRun(src *LiveSource) (*liveRun, error) {
	f, err := os.CreateTemp(src.SpoolDir, "meshbatch-live-*.yaml")
	if err != nil {
		return nil, fmt.Errorf("cluster %s: a spool file for its objects: %v", src.Context, err)
	}
	return &liveRun{context: src.Context, spool: f, name: f.Name(), unknown: map[manifest.UnknownField]bool{}}, nil
}

// maxUnknownNamed is how many unknown fields the notice names.
const maxUnknownNamed = 8

// unknownNotice says which fields of the cluster's objects were dropped
// as unknown, each kind and field once: the API server stored them, so
// they are a newer Kubernetes' or Istio's, not a finding.
func (l *liveRun) unknownNotice() string {
	if l == nil || len(l.unknown) == 0 {
		return ""
	}
	var named []string
	for u := range l.unknown {
		named = append(named, u.Kind+" "+u.Path)
	}
	slices.Sort(named)
	if len(named) > maxUnknownNamed {
		named = append(named[:maxUnknownNamed], fmt.Sprintf("and %d more", len(named)-maxUnknownNamed))
	}
	return fmt.Sprintf("cluster %s: its objects have fields or values this meshbatch does not know (%s): they were ignored (an unknown value leaves its field unset); a newer meshbatch may know them",
		l.context, strings.Join(named, ", "))
}

// close removes the spool file.
func (l *liveRun) close() {
	if l != nil && l.spool != nil {
		l.spool.Close()
		os.Remove(l.name)
		l.spool = nil
	}
}

// released notes that a page's raw bytes were recycled.
func (l *liveRun) released() { l.pagesHeld.Add(-1) }

// isLive reports whether a finding's file is the live input's.
func (l *liveRun) isLive(file string) bool { return l != nil && file == l.name }

// read reads every page and hands each to send once it is in the spool,
// with its byte offset and first line there. A stream that fails or
// stops early is an input error: the cluster was linted in part.
func (l *liveRun) read(ctx context.Context, src *LiveSource, out *loaded, send func(page []byte, off int64, line int, buf *[]byte)) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf := fileBufs.Get().(*[]byte)
		page, err := src.Next((*buf)[:0])
		if errors.Is(err, io.EOF) {
			fileBufs.Put(buf)
			return nil
		}
		if err != nil {
			fileBufs.Put(buf)
			out.errors = append(out.errors, fmt.Errorf("cluster %s: %v; the objects read before were linted", l.context, err))
			return nil
		}
		page = manifest.NormalizeLineBreaks(page)
		if len(page) > 0 && page[len(page)-1] != '\n' {
			page = append(page, '\n')
		}
		if _, err := l.spool.Write(page); err != nil {
			fileBufs.Put(buf)
			return fmt.Errorf("cluster %s: writing its objects to %s: %v", l.context, l.name, err)
		}
		off, line := l.size, l.lines+1
		l.size += int64(len(page))
		l.lines += bytes.Count(page, []byte{'\n'})
		*buf = page // so that batchDone recycles the storage the page is in
		l.mostHeld = max(l.mostHeld, l.pagesHeld.Add(1))
		send(page, off, line, buf)
	}
}

// takeLiveStatus gives the file's object out.objects[at] the status of
// the cluster's object of the same kind, namespace and name, which it
// replaces: the file says what the object should be, the cluster what it
// is doing, and the rules that judge status (a stalled CronJob, a Job
// past its deadline) read the latter. The file's object is decoded again
// if the loader released it, and stays decoded: the passes, which decode
// objects from their files, would drop the status.
func (out *loaded) takeLiveStatus(at int, live *manifest.Object, opts Options) {
	file := out.objects[at]
	liveTyped := live.Typed
	if liveTyped == nil && live.Released() {
		typed, _, err := live.Redecode(nil, 0, opts.Limits) // its problems were reported when it was loaded
		if err != nil {
			out.errors = append(out.errors, fmt.Errorf("cluster %s: %s: reading its status again: %v", out.live.context, live.Ref(), err))
			return
		}
		liveTyped = typed
	}
	status := statusField(liveTyped)
	if !status.IsValid() || status.IsZero() {
		return
	}
	if file.Typed == nil {
		if !file.Released() {
			return
		}
		typed, probs, err := file.Redecode(nil, 0, opts.Limits)
		if err != nil {
			return // left released: its pass decodes it again, and says why it cannot
		}
		if file.Partial() { // the loader did not check the fields it did not decode: the passes would have
			out.problems = append(out.problems, probs...)
		}
		file.RestoreTyped(typed)
	}
	own := statusField(file.Typed)
	if !own.IsValid() || own.Type() != status.Type() {
		return
	}
	if !statusFits(file.Typed, liveTyped) {
		out.notices = append(out.notices, fmt.Sprintf("%s at %s:%d changes what the cluster's status is judged by (its schedule or deadline): "+
			"the status of cluster %s was left out of its checks", file.Ref(), file.File, file.Line(), out.live.context))
		return
	}
	own.Set(status)
	if out.workloads != nil {
		out.workloads[at] = rules.WorkloadOf(file) // its summary holds what it reads of the status
	}
}

// statusFits reports whether the cluster wrote the status of live for the
// fields of file's spec that the status rules judge it by: a CronJob's
// schedule, time zone, suspension and concurrency policy, a Job's
// deadline. A file that changes them (a new schedule not yet applied)
// would be judged by a status that is not its own.
func statusFits(file, live any) bool {
	switch f := file.(type) {
	case *batchv1.CronJob:
		l, ok := live.(*batchv1.CronJob)
		return ok && f.Spec.Schedule == l.Spec.Schedule &&
			deref(f.Spec.TimeZone, "") == deref(l.Spec.TimeZone, "") &&
			deref(f.Spec.Suspend, false) == deref(l.Spec.Suspend, false) &&
			cmp.Or(f.Spec.ConcurrencyPolicy, batchv1.AllowConcurrent) == cmp.Or(l.Spec.ConcurrencyPolicy, batchv1.AllowConcurrent)
	case *batchv1.Job:
		l, ok := live.(*batchv1.Job)
		return ok && deref(f.Spec.ActiveDeadlineSeconds, 0) == deref(l.Spec.ActiveDeadlineSeconds, 0)
	}
	return true
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// statusField is the Status field of a decoded Kubernetes object, which
// may be set; the zero Value for kinds without one.
func statusField(typed any) reflect.Value {
	v := reflect.ValueOf(typed)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	f := v.Elem().FieldByName("Status")
	if !f.IsValid() || !f.CanSet() {
		return reflect.Value{}
	}
	return f
}

// controllerOf returns a decoded object's controller, if it names one.
func controllerOf(typed any) (ownerRef, bool) {
	m, ok := typed.(metav1.Object)
	if !ok {
		return ownerRef{}, false
	}
	for _, r := range m.GetOwnerReferences() {
		if r.Controller != nil && *r.Controller {
			return ownerRef{r.Kind, r.Name}, true
		}
	}
	return ownerRef{}, false
}

// objectKey is how the input identifies an object across files and the
// cluster: kind, namespace (where kubectl apply puts it) and name.
type objectKey struct{ kind, namespace, name string }

func keyOf(o *manifest.Object) objectKey {
	return objectKey{o.Kind, effectiveNamespace(refOf(o)), o.Name}
}

// leaveToOwners drops the findings on live objects that their controller
// reports: a Job's pod repeats its Job's template, a CronJob's Job its
// CronJob's, so a problem of the template is reported there, once. A
// finding on a controlled object is dropped only when its controller, in
// the input, has a finding of the same rule at the corresponding field
// (see ownerPath; a pod's containers are matched by name, see
// containerNamed); the messages may differ, as they name the object.
// What the controller does not show is kept: a pod's own state (a proxy
// that outlived its app) and what the injector or the API server added
// to the pod (the injected istio-proxy's env). Problems (MB001) are kept.
func (l *liveRun) leaveToOwners(found []*finding, lim manifest.Limits) []*finding {
	if l == nil || len(l.owners) == 0 {
		return found
	}
	type reported struct {
		rule string
		obj  objectKey
		path string
	}
	onObjects := make(map[reported]bool, len(found))
	byObject := map[objectKey][]*finding{}
	for _, f := range found {
		if f.obj != nil && f.problem() == nil {
			k := keyOf(f.obj)
			onObjects[reported{f.rule.ID, k, f.fieldPath()}] = true
			byObject[k] = append(byObject[k], f)
		}
	}
	// Only the names are kept: every pod with a finding in a container
	// may be decoded again here.
	names := map[*manifest.Object]*containerNames{}
	namesOf := func(o *manifest.Object) *containerNames {
		n, ok := names[o]
		if !ok {
			n = namesIn(podSpecOf(o, lim))
			names[o] = n
		}
		return n
	}
	// onOwner reports whether the owner (at at) has a finding of f's
	// rule at the field corresponding to f's. In a container of a pod,
	// that is the field of the template's container of the same name,
	// when both decode; else the field of the same path.
	onOwner := func(f *finding, owner ownerRef, at objectKey) bool {
		path := f.fieldPath()
		if inContainer(path, "spec.") {
			if named, ok := containerNamed(path, "spec.", namesOf(f.obj)); ok {
				prefix := ownerPath(owner.kind, "spec.")
				var template *containerNames
				if on := byObject[at]; len(on) > 0 { // the findings of one object
					template = namesOf(on[0].obj)
				}
				if template != nil {
					for _, g := range byObject[at] {
						if g.rule.ID == f.rule.ID && inContainer(g.fieldPath(), prefix) {
							if gn, ok := containerNamed(g.fieldPath(), prefix, template); ok && gn == named {
								return true
							}
						}
					}
					return false
				}
			}
		}
		return onObjects[reported{f.rule.ID, at, ownerPath(owner.kind, path)}]
	}
	kept := found[:0]
	for _, f := range found {
		if f.obj != nil && f.problem() == nil {
			if owner, ok := l.owners[f.obj]; ok {
				at := objectKey{owner.kind, effectiveNamespace(refOf(f.obj)), owner.name}
				if onOwner(f, owner, at) {
					l.onOwner++
					continue
				}
			}
		}
		kept = append(kept, f)
	}
	return kept
}

// containerNamed writes the container index of a field path into a pod
// spec (at prefix) as the container's name: the injector adds
// istio-proxy to a pod, before the app's containers when the app waits
// for the proxy, so a pod's containers[1] may be its template's
// containers[0]. false when the path is not in a container of spec.
func containerNamed(path, prefix string, names *containerNames) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok || names == nil {
		return "", false
	}
	for _, list := range []struct {
		field string
		names []string
	}{{"containers", names.containers}, {"initContainers", names.init}} {
		after, ok := strings.CutPrefix(rest, list.field+"[")
		if !ok {
			continue
		}
		end := strings.IndexByte(after, ']')
		if end < 0 {
			return "", false
		}
		i, err := strconv.Atoi(after[:end])
		if err != nil || i < 0 || i >= len(list.names) {
			return "", false
		}
		return list.field + "{" + list.names[i] + "}" + after[end+1:], true
	}
	return "", false
}

// containerNames are the names of a pod spec's containers, in order.
type containerNames struct{ containers, init []string }

// namesIn returns the names of spec's containers; nil for no spec.
func namesIn(spec *corev1.PodSpec) *containerNames {
	if spec == nil {
		return nil
	}
	n := &containerNames{}
	for _, c := range spec.Containers {
		n.containers = append(n.containers, c.Name)
	}
	for _, c := range spec.InitContainers {
		n.init = append(n.init, c.Name)
	}
	return n
}

// inContainer reports whether a field path is in a container of the pod
// spec at prefix.
func inContainer(path, prefix string) bool {
	rest, ok := strings.CutPrefix(path, prefix)
	return ok && (strings.HasPrefix(rest, "containers[") || strings.HasPrefix(rest, "initContainers["))
}

// podSpecOf returns the pod spec of a Pod or of a workload's template,
// decoding the object again (without keeping it) if it was released;
// nil for other kinds, or when it does not decode.
func podSpecOf(o *manifest.Object, lim manifest.Limits) *corev1.PodSpec {
	typed := o.Typed
	if typed == nil && o.Released() {
		typed, _, _ = o.Redecode(nil, 0, lim)
	}
	switch t := typed.(type) {
	case *corev1.Pod:
		return &t.Spec
	case *batchv1.Job:
		return &t.Spec.Template.Spec
	case *batchv1.CronJob:
		return &t.Spec.JobTemplate.Spec.Template.Spec
	case *appsv1.ReplicaSet:
		return &t.Spec.Template.Spec
	case *appsv1.StatefulSet:
		return &t.Spec.Template.Spec
	case *appsv1.DaemonSet:
		return &t.Spec.Template.Spec
	case *appsv1.Deployment:
		return &t.Spec.Template.Spec
	}
	return nil
}

// ownerPath is the field of a controller that corresponds to the field
// path of an object it controls: a CronJob's spec.jobTemplate holds its
// Jobs' metadata and spec, the spec.template of a Job (or ReplicaSet,
// StatefulSet, DaemonSet) its pods'. A Deployment controls ReplicaSets,
// whose fields are at the same paths as its own.
func ownerPath(ownerKind, path string) string {
	if ownerKind == "Deployment" {
		return path
	}
	prefix := "spec.template"
	if ownerKind == "CronJob" {
		prefix = "spec.jobTemplate"
	}
	if path == "" {
		return prefix
	}
	return prefix + "." + path
}

// compareLive orders findings on live objects after those in files, by
// namespace, kind, name, rule and message.
func compareLive(a, b *finding, live *liveRun) int {
	al, bl := live.isLive(a.file()), live.isLive(b.file())
	switch {
	case !al && !bl:
		return compareFindings(a, b)
	case al != bl:
		if al {
			return 1
		}
		return -1
	}
	oa, ob := a.object(), b.object()
	if c := cmp.Or(
		strings.Compare(oa.Namespace, ob.Namespace),
		strings.Compare(oa.Kind, ob.Kind),
		strings.Compare(oa.Name, ob.Name),
		strings.Compare(a.rule.ID, b.rule.ID),
		strings.Compare(a.fieldPath(), b.fieldPath()),
	); c != 0 {
		return c
	}
	return strings.Compare(a.message(), b.message())
}

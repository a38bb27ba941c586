package rules

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Workload is a pod template and the object that owns it.
type Workload struct {
	Object       *manifest.Object
	Namespace    string // the object's namespace, "default" when unset
	Template     *corev1.PodTemplateSpec
	TemplatePath string // field path of Template in Object
	// Job is the JobSpec of a Job or of a CronJob's jobTemplate, nil for
	// other workloads; JobPath is its field path.
	Job     *batchv1.JobSpec
	JobPath string
	CronJob *batchv1.CronJob // set for CronJobs only

	// Template, Job and CronJob are nil while the workload is released
	// (see Release): on a large input the lint engine keeps only the
	// summary below for every workload and decodes the full object again
	// for the pass that checks it. What other objects' rules look up about
	// a workload (its labels, identity, injection) must come from here.
	summary workloadSummary

	mc *meshCache // what the rules derive from the template, once; nil while released
}

// workloadSummary is what Injection, ServiceAccount, IsBatch and the
// Service port lookup read, taken from the template while it is decoded.
type workloadSummary struct {
	labels         PodLabels // the pod template's labels
	batch          bool
	serviceAccount string
	injectAnnot    string // the deprecated sidecar.istio.io/inject annotation
	hostNetwork    bool
	injectedProxy  bool // the template already holds an injected istio-proxy
	// proxyMetadata ISTIO_META_DNS_CAPTURE and ISTIO_META_DNS_AUTO_ALLOCATE
	// are "true" in proxy.istio.io/config (MB602 asks of every client).
	dnsCapture, dnsAutoAllocate bool
	ports                       []ContainerPort // the app containers' ports, in order
	// A Job's status.startTime (Unix seconds, 0 when unset) and its
	// activeDeadlineSeconds (0 when unset; the API server requires more):
	// the live rules ask them of the Job that owns a pod or that a
	// CronJob runs (MB703, MB707).
	jobStart, jobDeadline int64
}

// ContainerPort is a container port and its name ("" if none), for
// Services and PeerAuthentication port settings that target pods.
type ContainerPort struct {
	Name string
	Port int32
}

// meshCache holds what rules derive from one pod template: parsing the
// proxy.istio.io/config annotation, working out injection and the
// sidecar's lifecycle (meshOf), reading quit calls with regexps and
// scanning the containers for hosts are the costly steps of a run, and
// many rules need each, so each is done once per template. Every entry is
// built on first use under its own sync.Once, so rules running in parallel
// may share a Workload; Index.Prepare builds them ahead, in parallel.
type meshCache struct {
	injOnce  sync.Once
	inj      Injection
	pcOnce   sync.Once
	pc       *meshv1alpha1.ProxyConfig
	pcErr    error
	pcStrict error // the error of ParseProxyConfigStrict
	refsOnce sync.Once
	refs     []HostRef
	contOnce sync.Once
	cont     []ContainerRef
	podOnce  sync.Once
	pod      podFacts
	ttlOnce  sync.Once
	ttl      []TTLSetting
	// The native-sidecar verdict depends on cluster facts: it is kept
	// for the facts of the first caller (a run uses one set).
	nativeOnce sync.Once
	nativeKey  nativeFacts
	native     mesh.Tri
	nativeWhy  string
}

// podFacts are what meshOf and the lifecycle rules read from a template's
// own containers, independent of the cluster facts and of other objects.
type podFacts struct {
	intent    string     // meshIntentWhy, or a quit call or wrapper: "" when none
	requested bool       // sidecar.istio.io/nativeSidecar is exactly "true"
	quits     []QuitSite // QuitSites that may reach Istio and run
	unrun     []QuitSite // QuitSites that may reach Istio but never run (QuitSite.NotRun)
	wrapper   bool       // usesExitWrapper
	waits     bool       // waitsForProxy
}

// WaitsForProxy reports whether an app container polls the proxy's
// readiness itself before starting (see waitsForProxy).
func (w *Workload) WaitsForProxy() bool { return w.podFacts().waits }

// podFacts works out the template's podFacts once.
func (w *Workload) podFacts() *podFacts {
	if w.mc == nil {
		pf := computePodFacts(w)
		return &pf
	}
	w.mc.podOnce.Do(func() { w.mc.pod = computePodFacts(w) })
	return &w.mc.pod
}

func computePodFacts(w *Workload) podFacts {
	pf := podFacts{intent: meshIntentWhy(w), requested: w.Template.Annotations[mesh.AnnotNative] == "true", wrapper: usesExitWrapper(w), waits: waitsForProxy(w)}
	for _, q := range QuitSites(w) {
		switch {
		case !q.Istio():
		case q.NotRun:
			pf.unrun = append(pf.unrun, q)
		default:
			pf.quits = append(pf.quits, q)
		}
	}
	pf.quits, pf.unrun = slices.Clip(pf.quits), slices.Clip(pf.unrun)
	// Stopping Istio's proxy says the author expects one as clearly as a
	// label does, even in a line that never runs.
	switch {
	case pf.intent != "":
	case len(pf.quits) > 0:
		pf.intent = "container " + pf.quits[0].Container.Container.Name + " calls Istio's /quitquitquit"
	case len(pf.unrun) > 0:
		pf.intent = "container " + pf.unrun[0].Container.Container.Name + " calls Istio's /quitquitquit"
	case pf.wrapper:
		pf.intent = "a wrapper that stops istio-proxy"
	}
	return pf
}

// StatusServer is where the pod's pilot-agent serves its status server
// and /quitquitquit (see mesh.StatusServerOf).
func (w *Workload) StatusServer() mesh.StatusServer {
	pc, err := w.ProxyConfig()
	if err != nil {
		pc = nil // the injector refuses the pod (MB204)
	}
	return mesh.StatusServerOf(w.Template.Annotations, pc)
}

// ProxyConfig is the pod's proxy.istio.io/config as the injector applies it (see proxyConfigOf), parsed once. Callers must not modify it.
func (w *Workload) ProxyConfig() (*meshv1alpha1.ProxyConfig, error) {
	if w.mc == nil {
		return proxyConfigOf(w)
	}
	w.mc.pcOnce.Do(w.parseProxyConfig)
	return w.mc.pc, w.mc.pcErr
}

// ProxyConfigStrictErr is the error ParseProxyConfigStrict returns for the
// template's proxy.istio.io/config (nil when it is absent), found once.
func (w *Workload) ProxyConfigStrictErr() error {
	if w.mc == nil {
		raw, ok := w.Template.Annotations[mesh.AnnotProxyConfig]
		if !ok {
			return nil
		}
		_, err := mesh.ParseProxyConfigStrict(raw)
		return err
	}
	w.mc.pcOnce.Do(w.parseProxyConfig)
	return w.mc.pcStrict
}

func (w *Workload) parseProxyConfig() {
	if raw, ok := w.Template.Annotations[mesh.AnnotProxyConfig]; ok {
		w.mc.pc, w.mc.pcErr, w.mc.pcStrict = mesh.ParseProxyConfigBoth(raw)
	}
}

// ProxyMetadata returns one proxyMetadata variable of the pod's proxy.istio.io/config, if set (and the annotation parses).
func (w *Workload) ProxyMetadata(key string) (string, bool) {
	pc, err := w.ProxyConfig()
	if err != nil || pc == nil {
		return "", false
	}
	v, ok := pc.GetProxyMetadata()[key]
	return v, ok
}

// HostRefs is findHostRefs(w), computed once.
func (w *Workload) HostRefs() []HostRef {
	if w.mc == nil {
		return findHostRefs(w)
	}
	w.mc.refsOnce.Do(func() { w.mc.refs = findHostRefs(w) })
	return w.mc.refs
}

// SecretTTLSettings is findSecretTTLSettings(w), computed once.
func (w *Workload) SecretTTLSettings() []TTLSetting {
	if w.mc == nil {
		return findSecretTTLSettings(w)
	}
	w.mc.ttlOnce.Do(func() { w.mc.ttl = findSecretTTLSettings(w) })
	return w.mc.ttl
}

// IsBatch reports whether the workload is a Job or CronJob.
func (w *Workload) IsBatch() bool { return w.summary.batch }

// PodPath returns the field path of a field inside the pod template's spec:
// PodPath("containers", 0) is "spec.template.spec.containers[0]" on a Job.
func (w *Workload) PodPath(parts ...any) string {
	return joinPath(w.TemplateField("spec"), parts...)
}

// TemplateAnnotationPath returns the field path of a pod template annotation.
func (w *Workload) TemplateAnnotationPath(key string) string {
	return w.TemplateField("metadata.annotations") + manifest.Key(key)
}

// TemplateLabelPath returns the field path of a pod template label.
func (w *Workload) TemplateLabelPath(key string) string {
	return w.TemplateField("metadata.labels") + manifest.Key(key)
}

// TemplateField returns the field path of a field of the pod template
// ("metadata", "spec"); a Pod is its own template.
func (w *Workload) TemplateField(sub string) string {
	if w.TemplatePath == "" {
		return sub
	}
	return w.TemplatePath + "." + sub
}

// Containers returns the app containers and app init containers (those that
// are not Istio's), each with its field path. The list is worked out once
// per template and shared: read it, do not modify it.
func (w *Workload) Containers() []ContainerRef {
	if w.mc == nil {
		return w.containers()
	}
	w.mc.contOnce.Do(func() { w.mc.cont = w.containers() })
	return slices.Clip(w.mc.cont)
}

func (w *Workload) containers() []ContainerRef {
	var out []ContainerRef
	w.eachAppContainer(func(c *corev1.Container, init bool, i int) {
		list := "containers"
		if init {
			list = "initContainers"
		}
		out = append(out, ContainerRef{Container: c, Path: w.PodPath(list, i), Init: init})
	})
	return out
}

// eachAppContainer calls fn for each container of the template that is
// not Istio's, init containers first, with its index in its list.
func (w *Workload) eachAppContainer(fn func(c *corev1.Container, init bool, i int)) {
	for i := range w.Template.Spec.InitContainers {
		if c := &w.Template.Spec.InitContainers[i]; !isIstioContainer(c.Name) {
			fn(c, true, i)
		}
	}
	for i := range w.Template.Spec.Containers {
		if c := &w.Template.Spec.Containers[i]; !isIstioContainer(c.Name) {
			fn(c, false, i)
		}
	}
}

// ContainerRef is a container and its field path.
type ContainerRef struct {
	Container *corev1.Container
	Path      string
	Init      bool
}

func isIstioContainer(name string) bool {
	return name == "istio-proxy" || name == "istio-init" || name == "istio-validation"
}

func joinPath(base string, parts ...any) string {
	if len(parts) == 0 {
		return base
	}
	return base + "." + manifest.Path(parts...)
}

// WorkloadOf returns the pod template an object carries, or nil for kinds
// without one.
func WorkloadOf(o *manifest.Object) *Workload {
	if !hasPodTemplate(o) {
		return nil
	}
	w := &Workload{mc: &meshCache{}}
	w.init(o)
	return w
}

// hasPodTemplate reports whether WorkloadOf finds a pod template in o: a
// pod spec with containers. An object of a workload kind without them is a
// fragment (a kustomize patch, a test assertion, a status), not a workload
// Kubernetes would run, and no rule judges its pods.
func hasPodTemplate(o *manifest.Object) bool {
	var spec *corev1.PodSpec
	switch t := o.Typed.(type) {
	case *batchv1.Job:
		spec = &t.Spec.Template.Spec
	case *batchv1.CronJob:
		spec = &t.Spec.JobTemplate.Spec.Template.Spec
	case *appsv1.Deployment:
		spec = &t.Spec.Template.Spec
	case *appsv1.StatefulSet:
		spec = &t.Spec.Template.Spec
	case *appsv1.DaemonSet:
		spec = &t.Spec.Template.Spec
	case *appsv1.ReplicaSet:
		spec = &t.Spec.Template.Spec
	case *corev1.Pod:
		spec = &t.Spec
	default:
		return false
	}
	return len(spec.Containers) > 0
}

// TemplateAnnotations returns the annotations of the pod template an object
// carries and the field path of that template ("spec.template"), without
// building a Workload; nil and "" for kinds without one and for Pods,
// which are their own template, and for objects WorkloadOf finds no
// template in.
func TemplateAnnotations(o *manifest.Object) (map[string]string, string) {
	if !hasPodTemplate(o) {
		return nil, ""
	}
	switch t := o.Typed.(type) {
	case *batchv1.Job:
		return t.Spec.Template.Annotations, "spec.template"
	case *batchv1.CronJob:
		return t.Spec.JobTemplate.Spec.Template.Annotations, "spec.jobTemplate.spec.template"
	case *appsv1.Deployment:
		return t.Spec.Template.Annotations, "spec.template"
	case *appsv1.StatefulSet:
		return t.Spec.Template.Annotations, "spec.template"
	case *appsv1.DaemonSet:
		return t.Spec.Template.Annotations, "spec.template"
	case *appsv1.ReplicaSet:
		return t.Spec.Template.Annotations, "spec.template"
	}
	return nil, ""
}

// workloadCell keeps a Workload next to its cache: NewIndex allocates them
// in slabs, in input order, so that rules walking the workloads read
// memory in order.
type workloadCell struct {
	w  Workload
	mc meshCache
}

// init fills w from o, which hasPodTemplate accepts.
func (w *Workload) init(o *manifest.Object) {
	w.Object, w.Namespace = o, NamespaceOf(o)
	w.attach()
	w.summarize()
}

// Release drops the workload's decoded object and every cache derived
// from it, keeping the summary that lookups from other objects read
// (labels, service account, injection): on a large input the decoded
// Jobs and CronJobs are most of the heap. Restore brings them back.
// Lookups hand out Peers, which cannot reach the template; a rule's loop
// gets only decoded workloads.
func (w *Workload) Release() {
	w.Object.ReleaseTyped()
	w.Template, w.Job, w.CronJob = nil, nil, nil
	w.mc = nil
}

// Restore gives a released workload its object back, decoded again (see
// manifest.Object.Redecode), and builds the caches Prepare builds for the
// facts f. Workloads may be restored concurrently.
func (w *Workload) Restore(typed any, f mesh.Facts) {
	w.Object.RestoreTyped(typed)
	w.attach()
	w.mc = &meshCache{}
	w.prepareTemplate(f)
}

// Released reports whether the workload's object is released.
func (w *Workload) Released() bool { return w.Template == nil }

// summarize records what lookups read once the template is released.
func (w *Workload) summarize() {
	t := w.Template
	w.summary = workloadSummary{
		labels:         packLabels(t.Labels),
		batch:          w.Job != nil,
		serviceAccount: serviceAccountOf(&t.Spec),
		injectAnnot:    t.Annotations[mesh.LabelInject],
		hostNetwork:    t.Spec.HostNetwork,
	}
	_, _, w.summary.injectedProxy = InjectedProxy(w)
	if j, ok := w.Object.Typed.(*batchv1.Job); ok {
		if st := j.Status.StartTime; st != nil {
			w.summary.jobStart = st.Unix()
		}
		if d := j.Spec.ActiveDeadlineSeconds; d != nil {
			w.summary.jobDeadline = *d
		}
	}
	// Parsing the annotation is the costly part: only when it may say so.
	if strings.Contains(t.Annotations[mesh.AnnotProxyConfig], mesh.MetaDNSCapture) {
		if pc, err := w.ProxyConfig(); err == nil && pc != nil {
			w.summary.dnsCapture = pc.GetProxyMetadata()[mesh.MetaDNSCapture] == "true"
			w.summary.dnsAutoAllocate = pc.GetProxyMetadata()[mesh.MetaDNSAutoAllocate] == "true"
		}
	}
	w.eachAppContainer(func(c *corev1.Container, _ bool, _ int) { // not Containers: no paths needed
		for _, p := range c.Ports {
			w.summary.ports = append(w.summary.ports, ContainerPort{p.Name, p.ContainerPort})
		}
	})
}

// SummaryFields are the fields of a workload that summarize, WorkloadOf
// and TemplateAnnotations read: a workload the lint engine releases at
// once needs no more decoded than these (manifest.ReadDocumentPartly), and
// is decoded whole, strictly, for its pass. A test checks that a summary
// taken from these fields equals one taken from the whole object.
var SummaryFields = func() manifest.Fields {
	object := map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "spec": true} // no status
	template := map[string]bool{"template": true}
	return manifest.Fields{
		reflect.TypeFor[batchv1.Job]():            {"apiVersion": true, "kind": true, "metadata": true, "spec": true, "status": true},
		reflect.TypeFor[batchv1.JobSpec]():        {"template": true, "activeDeadlineSeconds": true},
		reflect.TypeFor[batchv1.JobStatus]():      {"startTime": true},
		reflect.TypeFor[batchv1.CronJob]():        object,
		reflect.TypeFor[batchv1.CronJobSpec]():    {"jobTemplate": true},
		reflect.TypeFor[appsv1.Deployment]():      object,
		reflect.TypeFor[appsv1.DeploymentSpec]():  template,
		reflect.TypeFor[appsv1.StatefulSet]():     object,
		reflect.TypeFor[appsv1.StatefulSetSpec](): template,
		reflect.TypeFor[appsv1.DaemonSet]():       object,
		reflect.TypeFor[appsv1.DaemonSetSpec]():   template,
		reflect.TypeFor[appsv1.ReplicaSet]():      object,
		reflect.TypeFor[appsv1.ReplicaSetSpec]():  template,
		reflect.TypeFor[corev1.Pod]():             object,
		reflect.TypeFor[corev1.PodSpec]():         {"serviceAccountName": true, "serviceAccount": true, "hostNetwork": true, "initContainers": true, "containers": true},
		reflect.TypeFor[corev1.Container]():       {"name": true, "image": true, "ports": true},
	}
}()

// attach points Template, Job and CronJob into the object's typed value.
func (w *Workload) attach() {
	switch t := w.Object.Typed.(type) {
	case *batchv1.Job:
		w.Template, w.TemplatePath, w.Job, w.JobPath = &t.Spec.Template, "spec.template", &t.Spec, "spec"
	case *batchv1.CronJob:
		w.Template, w.TemplatePath = &t.Spec.JobTemplate.Spec.Template, "spec.jobTemplate.spec.template"
		w.Job, w.JobPath, w.CronJob = &t.Spec.JobTemplate.Spec, "spec.jobTemplate.spec", t
	case *appsv1.Deployment:
		w.Template, w.TemplatePath = &t.Spec.Template, "spec.template"
	case *appsv1.StatefulSet:
		w.Template, w.TemplatePath = &t.Spec.Template, "spec.template"
	case *appsv1.DaemonSet:
		w.Template, w.TemplatePath = &t.Spec.Template, "spec.template"
	case *appsv1.ReplicaSet:
		w.Template, w.TemplatePath = &t.Spec.Template, "spec.template"
	case *corev1.Pod:
		w.Template = &corev1.PodTemplateSpec{ObjectMeta: t.ObjectMeta, Spec: t.Spec}
	}
}

// NamespaceOf returns an object's namespace, "default" when it names none
// (what kubectl apply does without -n). A Namespace object is its own.
func NamespaceOf(o *manifest.Object) string {
	if o.Kind == "Namespace" {
		return o.Name
	}
	if o.Namespace == "" {
		return "default"
	}
	return o.Namespace
}

// ServiceAccount returns the service account the pods run as, which is
// their mesh identity: serviceAccountName, else the deprecated
// serviceAccount, else "default".
func (w *Workload) ServiceAccount() string { return w.summary.serviceAccount }

func serviceAccountOf(spec *corev1.PodSpec) string {
	if sa := spec.ServiceAccountName; sa != "" {
		return sa
	}
	if sa := spec.DeprecatedServiceAccount; sa != "" {
		return sa
	}
	return "default"
}

// ServiceAccountPath returns the field path where the pod names its
// service account (serviceAccountName, or where it would go).
func (w *Workload) ServiceAccountPath() string {
	if w.Template.Spec.ServiceAccountName == "" && w.Template.Spec.DeprecatedServiceAccount != "" {
		return w.PodPath("serviceAccount")
	}
	return w.PodPath("serviceAccountName")
}

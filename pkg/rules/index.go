package rules

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
	networking "istio.io/api/networking/v1alpha3"
	typev1beta1 "istio.io/api/type/v1beta1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Index is every loaded object, arranged for the lookups cross-object rules
// make: by kind, by namespace, by host. Building it is linear in the number
// of objects, and no rule needs to scan all objects for each object.
//
// A rule loops over Workloads, BatchWorkloads or OfKind, and finds every
// other object through a lookup (InNamespace, SelectedWorkloads,
// WorkloadsIn, Batch, ServiceMTLS, ...), never through those loops: the
// lint engine runs the rules on views of the index (WorkloadPass,
// ObjectPass) in which the loops hold a part of the input and the lookups
// all of it. From a lookup, a workload's template may be released: read
// its summary (its labels, ServiceAccount, IsBatch, its injection), not
// its Template. So may the objects of the kinds ReadingOf says are read
// only in loops (read their Summary) or by their metadata.
type Index struct {
	Workloads []*Workload // every pod template, batch or not, in input order

	byKind          map[string][]*manifest.Object
	byKindNS        map[string][]*manifest.Object // each kind's objects by namespace, see InNamespace
	namespaces      map[string]*manifest.Object
	serviceAccounts map[string]*manifest.Object // "ns/name"
	services        map[string]*manifest.Object // FQDN

	// For the mesh rules (see helpers_mesh.go).
	seenNS        map[string]bool               // every namespace any object names
	workloadsByNS map[string][]Peer             // every pod template, by namespace
	byLabel       map[string][]Peer             // pod templates by "ns\x00key=value" of their labels, in large namespaces
	batch         []*Workload                   // Jobs and CronJobs, in input order (of the pass, see WorkloadPass)
	allBatch      []Peer                        // Jobs and CronJobs, in input order, in every view
	batchPerNS    map[string]int                // how many Jobs and CronJobs each namespace has
	batchByName   map[string]Peer               // Jobs and CronJobs, "ns/name"
	seHosts       map[string][]*manifest.Object // ServiceEntries by exact host
	seWildcards   map[string][]*manifest.Object // ServiceEntries by wildcard suffix (".example.com")
	drHosts       map[string][]*manifest.Object // DestinationRules by host, expanded to an FQDN
	identities    *identityIndex                // AuthorizationPolicies by the identities they name, built on first use
	shared        *sharedValues                 // what rules build once for the index and all its views, see Shared
	// ServiceEntries and DestinationRules by visibility (exportTo), so
	// that a lookup for one client namespace costs what it returns,
	// however many namespaces declare the host: those exported to every
	// namespace by host, the others by host and each namespace they are
	// exported to.
	seHostsAll map[string][]seRef
	seHostsNS  map[hostNS][]seRef
	seWildAll  map[string][]seRef
	seWildNS   map[hostNS][]seRef
	drAll      map[string]bool // hosts with a DestinationRule exported to every namespace
	drNS       map[hostNS]bool // hosts with a DestinationRule exported to that namespace

	// Objects of the kinds rules read only in their loops (ReadInLoops),
	// in input order: the lint engine checks them a part at a time.
	loopObjects []*manifest.Object

	loops    loops                         // which objects the loops hold: the view's kind
	partKind map[string][]*manifest.Object // on an ObjectPass view of a part: its objects by kind
}

// loops is what a view of the index lets the rules' loops see.
type loops int

const (
	allLoops      loops = iota // the index itself: everything
	workloadLoops              // WorkloadPass: some workloads, no other objects
	partLoops                  // ObjectPass: some objects of ReadInLoops kinds
	restLoops                  // RestPass: every object of the other kinds
)

// WorkloadPass returns a view of the index for checking some of the
// workloads: Workloads and BatchWorkloads hold only ws, OfKind lists
// nothing, and every lookup (WorkloadsIn, SelectedWorkloads, Batch,
// InNamespace, ...) still sees the whole input. Rules loop over the
// workloads or over OfKind and look everything else up, so running every
// rule on WorkloadPass views of each part of the workloads and once on
// ObjectPass reports what one run on the whole index does; the lint
// engine does that to keep only a part of the workloads decoded at a
// time (see Workload.Release).
func (ix *Index) WorkloadPass(ws []*Workload) *Index {
	v := *ix
	v.Workloads, v.batch, v.loops, v.partKind = ws, nil, workloadLoops, nil
	for _, w := range ws {
		if w.IsBatch() {
			v.batch = append(v.batch, w)
		}
	}
	return &v
}

// ObjectPass returns a view of the index for the rules' loops over a part
// of LoopObjects: Workloads and BatchWorkloads are empty, and OfKind lists
// the objects of that part. The lint engine runs every rule on the views
// of the parts of LoopObjects and on RestPass, so that objects read only
// in loops need not all be decoded at once.
func (ix *Index) ObjectPass(part []*manifest.Object) *Index {
	v := *ix
	v.Workloads, v.batch, v.loops, v.partKind = nil, nil, partLoops, map[string][]*manifest.Object{}
	for _, o := range part {
		v.partKind[o.Kind] = append(v.partKind[o.Kind], o)
	}
	return &v
}

// RestPass returns a view of the index for the rules' loops over what
// neither WorkloadPass nor ObjectPass views hold: the objects of the kinds
// lookups read.
func (ix *Index) RestPass() *Index {
	v := *ix
	v.Workloads, v.batch, v.loops, v.partKind = nil, nil, restLoops, nil
	return &v
}

// LoopObjects returns the objects of the kinds rules read only in their
// own loops (see ReadingOf), in input order.
func (ix *Index) LoopObjects() []*manifest.Object { return slices.Clip(ix.loopObjects) }

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
	intent    bool       // meshIntent
	requested bool       // NativeRequested
	quits     []QuitSite // QuitSites that may reach Istio
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
	pf := podFacts{intent: MeshIntent(w), requested: NativeRequested(w), wrapper: usesExitWrapper(w), waits: waitsForProxy(w)}
	for _, q := range QuitSites(w) {
		if q.Istio() {
			pf.quits = append(pf.quits, q)
		}
	}
	pf.quits = slices.Clip(pf.quits)
	return pf
}

// Injection is ix.injection(w), worked out once per decoded template:
// lookups may ask it of a released workload, which keeps no cache (35,000
// verdicts and their reasons were ~4 MB at 100,000 objects).
func (ix *Index) Injection(aw AnyWorkload) Injection {
	w := aw.workload()
	if w.mc == nil {
		return ix.injection(w)
	}
	w.mc.injOnce.Do(func() { w.mc.inj = ix.injection(w) })
	return w.mc.inj
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

// NewIndex arranges objects for lookup. Objects keep their input order
// everywhere, so rules see them deterministically.
func NewIndex(objs []*manifest.Object) *Index { return NewIndexOf(objs, nil) }

// NewIndexOf is NewIndex for objects whose pod templates were read ahead
// (by WorkloadOf, and perhaps released since): ws[i] is the workload of
// objs[i], or nil for objects without a pod template. A nil ws makes the
// index read the templates itself.
func NewIndexOf(objs []*manifest.Object, ws []*Workload) *Index {
	ix := &Index{
		byKind:          map[string][]*manifest.Object{},
		namespaces:      map[string]*manifest.Object{},
		serviceAccounts: map[string]*manifest.Object{},
		services:        map[string]*manifest.Object{},
		seenNS:          map[string]bool{},
		workloadsByNS:   map[string][]Peer{},
		byLabel:         map[string][]Peer{},
		batchByName:     map[string]Peer{},
		seHosts:         map[string][]*manifest.Object{},
		seWildcards:     map[string][]*manifest.Object{},
		drHosts:         map[string][]*manifest.Object{},
		seHostsAll:      map[string][]seRef{},
		seHostsNS:       map[hostNS][]seRef{},
		seWildAll:       map[string][]seRef{},
		seWildNS:        map[hostNS][]seRef{},
		drAll:           map[string]bool{},
		drNS:            map[hostNS]bool{},
		identities:      &identityIndex{},
		shared:          &sharedValues{},
		batchPerNS:      map[string]int{},
	}
	var cells []workloadCell // what is left of the current slab
	slab := 0                // its size
	for ord, o := range objs {
		var w *Workload
		if ws != nil {
			w = ws[ord]
		}
		if o.Typed == nil && w == nil && !o.Released() {
			if o.Namespace != "" {
				ix.seenNS[o.Namespace] = true
			}
			continue
		}
		ns := NamespaceOf(o)
		ix.seenNS[ns] = true
		ix.byKind[o.Kind] = append(ix.byKind[o.Kind], o)
		switch ReadingOf(o.Kind) {
		case ReadInLoops:
			ix.loopObjects = append(ix.loopObjects, o)
		case ReadMetadata: // released: Typed may be nil
			switch o.Kind {
			case "ServiceAccount":
				ix.serviceAccounts[ns+"/"+o.Name] = o
			case "Namespace":
				if _, dup := ix.namespaces[o.Name]; !dup {
					ix.namespaces[o.Name] = o
				}
			}
		}
		switch t := Spec(o).(type) {
		case *corev1.ServiceSpec:
			ix.services[o.Name+"."+ns+".svc.cluster.local"] = o
		case *networking.ServiceEntry:
			all, to := exportScope(t.GetExportTo(), ns)
			ref := seRef{o, ord}
			for _, h := range t.GetHosts() {
				h = strings.ToLower(h)
				if suffix, ok := strings.CutPrefix(h, "*"); ok && suffix != "" {
					ix.seWildcards[suffix] = appendOnce(ix.seWildcards[suffix], o)
					addSERef(ix.seWildAll, ix.seWildNS, suffix, all, to, ref)
				} else if h != "" {
					ix.seHosts[h] = appendOnce(ix.seHosts[h], o)
					addSERef(ix.seHostsAll, ix.seHostsNS, h, all, to, ref)
				}
			}
		case *networking.DestinationRule:
			if h := t.GetHost(); h != "" {
				fq := strings.ToLower(FQDN(h, ns))
				ix.drHosts[fq] = append(ix.drHosts[fq], o)
				all, to := exportScope(t.GetExportTo(), ns)
				if all {
					ix.drAll[fq] = true
				}
				for _, n := range to {
					ix.drNS[hostNS{fq, n}] = true
				}
			}
		}
		if w == nil && ws == nil && hasPodTemplate(o) {
			if len(cells) == 0 {
				slab = min(max(2*slab, 8), 256)
				cells = make([]workloadCell, slab)
			}
			c := &cells[0]
			cells = cells[1:]
			w = &c.w
			w.mc = &c.mc
			w.init(o)
		}
		if w == nil {
			continue
		}
		ix.Workloads = append(ix.Workloads, w)
		ix.workloadsByNS[w.Namespace] = append(ix.workloadsByNS[w.Namespace], Peer{w})
		if w.IsBatch() {
			ix.batch = append(ix.batch, w)
			ix.batchPerNS[w.Namespace]++
			if _, dup := ix.batchByName[w.Namespace+"/"+o.Name]; !dup {
				ix.batchByName[w.Namespace+"/"+o.Name] = Peer{w}
			}
		}
	}
	ix.allBatch = make([]Peer, len(ix.batch))
	for i, w := range ix.batch {
		ix.allBatch[i] = Peer{w}
	}
	ix.byKindNS = byNamespace(ix.byKind)
	for ns, inNS := range ix.workloadsByNS {
		if len(inNS) <= scanNamespace {
			continue
		}
		for _, p := range inNS {
			labels := p.w.summary.labels
			for i := 0; i < len(labels); i += 2 {
				key := ns + "\x00" + labels[i] + "=" + labels[i+1]
				ix.byLabel[key] = append(ix.byLabel[key], p)
			}
		}
	}
	return ix
}

// byNamespace orders each kind's objects by namespace, in input order
// within one, so that a namespace's are a run of them: a map by kind and
// namespace took 10 MB at 100,000 objects. An input already in that order
// (namespaces in order of name) shares byKind's lists.
func byNamespace(byKind map[string][]*manifest.Object) map[string][]*manifest.Object {
	byNS := make(map[string][]*manifest.Object, len(byKind))
	for kind, objs := range byKind {
		cmpNS := func(a, b *manifest.Object) int { return strings.Compare(NamespaceOf(a), NamespaceOf(b)) }
		if !slices.IsSortedFunc(objs, cmpNS) {
			objs = slices.Clone(objs)
			slices.SortStableFunc(objs, cmpNS)
		}
		byNS[kind] = objs
	}
	return byNS
}

// scanNamespace is how many workloads a namespace may have for
// SelectedWorkloads to match them one by one rather than through byLabel,
// an index by label that took 10 MB at 100,000 objects in namespaces of
// seven workloads.
const scanNamespace = 32

// appendOnce appends o unless it is already the last element (an object
// that names a host twice).
func appendOnce(list []*manifest.Object, o *manifest.Object) []*manifest.Object {
	if n := len(list); n > 0 && list[n-1] == o {
		return list
	}
	return append(list, o)
}

// hostNS is a host (or wildcard suffix) and a client namespace.
type hostNS struct{ host, ns string }

// seRef is a ServiceEntry and its position in the input, by which lists
// of them are merged back into input order.
type seRef struct {
	o   *manifest.Object
	ord int
}

// exportScope reads exportTo as exportedTo does: all is set when every
// namespace sees the object, else to lists the namespaces that do.
func exportScope(exportTo []string, objNS string) (all bool, to []string) {
	if len(exportTo) == 0 {
		return true, nil
	}
	for _, e := range exportTo {
		switch e {
		case "*":
			return true, nil
		case ".":
			to = append(to, objNS)
		case "~":
		default:
			to = append(to, e)
		}
	}
	return false, to
}

// addSERef files a ServiceEntry under key, once per list.
func addSERef(all map[string][]seRef, byNS map[hostNS][]seRef, key string, toAll bool, to []string, r seRef) {
	add := func(list []seRef) []seRef {
		if n := len(list); n > 0 && list[n-1].o == r.o {
			return list
		}
		return append(list, r)
	}
	if toAll {
		all[key] = add(all[key])
	}
	for _, ns := range to {
		byNS[hostNS{key, ns}] = add(byNS[hostNS{key, ns}])
	}
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

// hasPodTemplate reports whether WorkloadOf finds a pod template in o.
func hasPodTemplate(o *manifest.Object) bool {
	switch o.Typed.(type) {
	case *batchv1.Job, *batchv1.CronJob, *appsv1.Deployment, *appsv1.StatefulSet, *appsv1.DaemonSet, *appsv1.ReplicaSet, *corev1.Pod:
		return true
	}
	return false
}

// TemplateAnnotations returns the annotations of the pod template an object
// carries and the field path of that template ("spec.template"), without
// building a Workload; nil and "" for kinds without one and for Pods,
// which are their own template.
func TemplateAnnotations(o *manifest.Object) (map[string]string, string) {
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
// (labels, service account, injection): at 100,000 objects the decoded
// Jobs and CronJobs are most of the heap. Restore brings them back. A
// rule that reads the template of a released workload panics (nil
// Template), which the lint engine's tests run into rather than a wrong
// verdict.
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
		reflect.TypeFor[batchv1.Job]():            object,
		reflect.TypeFor[batchv1.JobSpec]():        template,
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

// WorkloadsIn returns the pod templates of one namespace, in input order.
func (ix *Index) WorkloadsIn(ns string) []Peer { return ix.workloadsByNS[ns] }

// SelectedWorkloads returns the pod templates of ns whose labels match an
// Istio matchLabels selector, in input order; an empty selector selects
// every one. The lookup starts from the selector's rarest label, so it
// does not scan the namespace.
func (ix *Index) SelectedWorkloads(ns string, sel map[string]string) []Peer {
	if len(sel) == 0 {
		return ix.workloadsByNS[ns]
	}
	if all := ix.workloadsByNS[ns]; len(all) <= scanNamespace {
		var out []Peer
		for _, w := range all {
			if w.Labels().Matches(sel) {
				out = append(out, w)
			}
		}
		return out
	}
	var smallest []Peer
	first := true
	for k, v := range sel {
		c := ix.byLabel[ns+"\x00"+k+"="+v]
		if first || len(c) < len(smallest) {
			smallest, first = c, false
		}
	}
	var out []Peer
	for _, w := range smallest {
		if w.Labels().Matches(sel) {
			out = append(out, w)
		}
	}
	return out
}

// Batch returns the Job or CronJob ns/name, if loaded (a Job wins over a
// CronJob of the same name).
func (ix *Index) Batch(ns, name string) (Peer, bool) {
	p, ok := ix.batchByName[ns+"/"+name]
	return p, ok
}

// AllBatch returns every Job and CronJob of the input, in input order, in
// every view: for a rule that asks of all clients, not of its pass's share.
func (ix *Index) AllBatch() []Peer { return ix.allBatch }

// BatchCount returns how many Jobs and CronJobs namespace ns holds.
func (ix *Index) BatchCount(ns string) int { return ix.batchPerNS[ns] }

// KnownNamespace reports whether any loaded object lives in, or is, the
// namespace: evidence that the name is a namespace of this cluster.
func (ix *Index) KnownNamespace(ns string) bool { return ix.seenNS[ns] }

// SawNamespaces adds the namespaces named by objects of the input the
// index was not given (the lint engine leaves out those of kinds no rule
// reads): KnownNamespace knows them.
func (ix *Index) SawNamespaces(names []string) {
	for _, ns := range names {
		ix.seenNS[ns] = true
	}
}

// ServiceEntriesFor returns the ServiceEntries whose hosts match host,
// exactly or through a wildcard ("*.example.com" matches any subdomain),
// exact matches first. The lookup walks the host's labels, not the
// entries.
func (ix *Index) ServiceEntriesFor(host string) []*manifest.Object {
	host = strings.ToLower(host)
	out := append([]*manifest.Object(nil), ix.seHosts[host]...)
	for i := 0; i < len(host); i++ {
		if host[i] == '.' {
			for _, o := range ix.seWildcards[host[i:]] {
				if !slices.Contains(out, o) {
					out = append(out, o)
				}
			}
		}
	}
	return out
}

// DestinationRulesFor returns the DestinationRules whose host, expanded to
// an FQDN, is exactly fqdn.
func (ix *Index) DestinationRulesFor(fqdn string) []*manifest.Object {
	return ix.drHosts[strings.ToLower(fqdn)]
}

// BatchWorkloads returns the Jobs and CronJobs, in input order. The slice
// is the index's own: read it, do not reorder or modify it.
func (ix *Index) BatchWorkloads() []*Workload {
	return slices.Clip(ix.batch)
}

// OfKind returns the decoded objects of a kind, in input order, for a
// rule's loop over them; on a view, those of its part (see WorkloadPass
// ObjectPass and RestPass).
func (ix *Index) OfKind(kind string) []*manifest.Object {
	switch ix.loops {
	case workloadLoops:
		return nil
	case partLoops:
		return ix.partKind[kind]
	case restLoops:
		if ReadingOf(kind) == ReadInLoops {
			return nil
		}
	}
	return ix.byKind[kind]
}

// Every returns every object of a kind, whatever the view, for a lookup
// built from a whole kind (never for a rule's own loop: see OfKind). Those
// of a kind read in loops (ReadInLoops) may be released: read their
// Summary.
func (ix *Index) Every(kind string) []*manifest.Object { return ix.byKind[kind] }

// InNamespace returns the decoded objects of a kind in one namespace. Those
// of a kind not read by lookups (see ReadingOf) may be released.
func (ix *Index) InNamespace(kind, ns string) []*manifest.Object {
	objs := ix.byKindNS[kind]
	start := sort.Search(len(objs), func(i int) bool { return NamespaceOf(objs[i]) >= ns })
	end := start + sort.Search(len(objs)-start, func(i int) bool { return NamespaceOf(objs[start+i]) > ns })
	if start == end {
		return nil
	}
	return objs[start:end:end]
}

// Namespace returns the Namespace object of that name, if loaded. Its
// Labels are what rules read of it: the lint engine releases the decoded
// object (see ReadingOf).
func (ix *Index) Namespace(name string) *manifest.Object { return ix.namespaces[name] }

// ServiceAccount returns the ServiceAccount ns/name, if loaded.
func (ix *Index) ServiceAccount(ns, name string) *manifest.Object {
	return ix.serviceAccounts[ns+"/"+name]
}

// Service returns the Service with that cluster-local FQDN
// (name.namespace.svc.cluster.local), if loaded.
func (ix *Index) Service(fqdn string) *manifest.Object { return ix.services[fqdn] }

// FQDN expands a short host the way Istio does for DestinationRules: a
// name without dots is a Service in the rule's own namespace.
func FQDN(host, ns string) string {
	if host != "" && !strings.Contains(host, ".") && host != "*" {
		return host + "." + ns + ".svc.cluster.local"
	}
	return host
}

// SelectorMatches reports whether an Istio workload selector picks pods with
// these labels. A nil or empty selector matches every pod.
func SelectorMatches(sel *typev1beta1.WorkloadSelector, podLabels map[string]string) bool {
	if sel == nil {
		return true
	}
	for k, v := range sel.GetMatchLabels() {
		if podLabels[k] != v {
			return false
		}
	}
	return true
}

// AuthorizationPolicy returns the typed object.
func AuthorizationPolicy(o *manifest.Object) *securityv1.AuthorizationPolicy {
	return o.Typed.(*securityv1.AuthorizationPolicy)
}

// sharedValues holds what Shared builds, one value per key.
type sharedValues struct {
	mu     sync.Mutex
	values map[any]*sharedValue
}

type sharedValue struct {
	once  sync.Once
	value any
}

// Shared returns the value stored under key, calling build on the first
// call for that key. The value is shared by the index and every view of it
// (WorkloadPass, ObjectPass, RestPass), so a rule that loops over a part
// of the input can build a lookup over all of it once, as MB512 does for
// the Services' TCP ports. build must read through lookups only; key is
// best an unexported type of the rule's own.
func (ix *Index) Shared(key any, build func() any) any {
	ix.shared.mu.Lock()
	if ix.shared.values == nil {
		ix.shared.values = map[any]*sharedValue{}
	}
	v := ix.shared.values[key]
	if v == nil {
		v = &sharedValue{}
		ix.shared.values[key] = v
	}
	ix.shared.mu.Unlock()
	v.once.Do(func() { v.value = build() })
	return v.value
}

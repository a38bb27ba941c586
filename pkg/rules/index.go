package rules

import (
	"slices"
	"sync"

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
// all of it. A workload from a lookup may be released, so lookups return a
// Peer, which carries the summary taken at load and not the template. The
// objects of a kind may be released too, unless some rule of the run reads
// them by their spec (Rule.Reads, ReadPlan): read their Summary (Spec,
// PolicyOf) and the metadata the rules declare.
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
	allWorkloads  []Peer                        // every pod template, in input order, in every view
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

	clusterNS map[string]mesh.Namespace // the cluster's namespaces, from a facts file (injection_facts.go)

	plan     *ReadPlan                     // how the run reads each kind
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
// own loops (see ReadPlan), in input order.
func (ix *Index) LoopObjects() []*manifest.Object { return slices.Clip(ix.loopObjects) }

// BatchWorkloads returns the Jobs and CronJobs, in input order. The slice
// is the index's own: read it, do not reorder or modify it.
func (ix *Index) BatchWorkloads() []*Workload {
	return slices.Clip(ix.batch)
}

// OfKind returns the decoded objects of a kind, in input order, for a
// rule's loop over them; on a view, those of its part (see WorkloadPass
// ObjectPass and RestPass).
//
// Reads: that kind, in the rule's own loop (declare it in Reads.Loop).
func (ix *Index) OfKind(kind string) []*manifest.Object {
	switch ix.loops {
	case workloadLoops:
		return nil
	case partLoops:
		return ix.partKind[kind]
	case restLoops:
		if ix.plan.Reading(kind) == ReadInLoops {
			return nil
		}
	}
	return ix.byKind[kind]
}

// Every returns every object of a kind, whatever the view, for a lookup
// built from a whole kind (never for a rule's own loop: see OfKind). Those
// of a kind read in loops (ReadInLoops) may be released: read their
// Summary.
//
// Reads: that kind (its spec, or the metadata the caller reads).
func (ix *Index) Every(kind string) []*manifest.Object { return ix.byKind[kind] }

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

package rules

import (
	"slices"
	"strings"

	networking "istio.io/api/networking/v1alpha3"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// NewIndex arranges objects for lookup. Objects keep their input order
// everywhere, so rules see them deterministically.
func NewIndex(objs []*manifest.Object) *Index { return NewIndexOf(objs, nil, nil) }

// NewIndexOf is NewIndex for objects whose pod templates were read ahead
// (by WorkloadOf, and perhaps released since): ws[i] is the workload of
// objs[i], or nil for objects without a pod template. A nil ws makes the
// index read the templates itself. plan says how the run reads each kind
// (nil: every kind by its spec, nothing released).
func NewIndexOf(objs []*manifest.Object, ws []*Workload, plan *ReadPlan) *Index {
	ix := newIndex(plan)
	var slab workloadSlab
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
		ix.addObject(o, ord)
		if w == nil && ws == nil && hasPodTemplate(o) {
			w = slab.next()
			w.init(o)
		}
		if w != nil {
			ix.addWorkload(w)
		}
	}
	ix.allBatch = make([]Peer, len(ix.batch))
	for i, w := range ix.batch {
		ix.allBatch[i] = Peer{w}
	}
	ix.allWorkloads = make([]Peer, len(ix.Workloads))
	for i, w := range ix.Workloads {
		ix.allWorkloads[i] = Peer{w}
	}
	ix.byKindNS = byNamespace(ix.byKind)
	ix.indexLabels()
	return ix
}

func newIndex(plan *ReadPlan) *Index {
	return &Index{
		plan:            plan,
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
}

// addObject files o, the ord-th object of the input, by kind, by name for
// the kinds looked up by name, and by host for the kinds that declare
// hosts.
func (ix *Index) addObject(o *manifest.Object, ord int) {
	ns := NamespaceOf(o)
	ix.seenNS[ns] = true
	ix.byKind[o.Kind] = append(ix.byKind[o.Kind], o)
	if ix.plan.Reading(o.Kind) == ReadInLoops {
		ix.loopObjects = append(ix.loopObjects, o)
	}
	switch o.Kind { // found by name; released or not, their metadata is what rules read
	case "ServiceAccount":
		ix.serviceAccounts[ns+"/"+o.Name] = o
	case "Namespace":
		if _, dup := ix.namespaces[o.Name]; !dup {
			ix.namespaces[o.Name] = o
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
}

// addWorkload files a pod template by namespace, and a Job or CronJob by
// name.
func (ix *Index) addWorkload(w *Workload) {
	ix.Workloads = append(ix.Workloads, w)
	ix.workloadsByNS[w.Namespace] = append(ix.workloadsByNS[w.Namespace], Peer{w})
	if w.IsBatch() {
		ix.batch = append(ix.batch, w)
		ix.batchPerNS[w.Namespace]++
		if _, dup := ix.batchByName[w.Namespace+"/"+w.Object.Name]; !dup {
			ix.batchByName[w.Namespace+"/"+w.Object.Name] = Peer{w}
		}
	}
}

// indexLabels files the pod templates of the large namespaces by each of
// their labels, for SelectedWorkloads.
func (ix *Index) indexLabels() {
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
}

// workloadSlab hands out the workloads NewIndexOf reads itself, with their
// caches, from slabs that grow as the input proves large.
type workloadSlab struct {
	cells []workloadCell // what is left of the current slab
	size  int
}

func (s *workloadSlab) next() *Workload {
	if len(s.cells) == 0 {
		s.size = min(max(2*s.size, 8), 256)
		s.cells = make([]workloadCell, s.size)
	}
	c := &s.cells[0]
	s.cells = s.cells[1:]
	c.w.mc = &c.mc
	return &c.w
}

// byNamespace orders each kind's objects by namespace, in input order
// within one, so that a namespace's are a run of them, which costs far less
// than a map by kind and namespace. An input already in that order
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
// SelectedWorkloads to match them one by one rather than through byLabel:
// an index by label of every namespace costs much memory where namespaces
// are small, and scanning a small one costs little.
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

package rules

import (
	"slices"
	"sort"
	"strings"

	typev1beta1 "istio.io/api/type/v1beta1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// Injection says whether the workload gets Istio's sidecar (see
// injection), worked out once per decoded template; it answers for a Peer
// too. A released workload keeps no cache: every verdict and its reason
// would cost memory on a large input.
//
// Reads: Namespace labels, and the workload's summary.
func (ix *Index) Injection(aw AnyWorkload) Injection {
	w := aw.workload()
	if w.mc == nil {
		return ix.injectionNoted(w)
	}
	w.mc.injOnce.Do(func() { w.mc.inj = ix.injectionNoted(w) })
	return w.mc.inj
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

// AllWorkloads returns every pod template of the input, batch or not, in
// input order, in every view: for a rule that asks of every workload, as
// MB602 does of every sidecar that imports a ServiceEntry.
//
// Reads: the workloads' summaries, which are always kept.
func (ix *Index) AllWorkloads() []Peer { return ix.allWorkloads }

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
//
// Reads: ServiceEntry spec.
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
//
// Reads: DestinationRule spec.
func (ix *Index) DestinationRulesFor(fqdn string) []*manifest.Object {
	return ix.drHosts[strings.ToLower(fqdn)]
}

// InNamespace returns the decoded objects of a kind in one namespace. Those
// of a kind not read by its spec (see ReadPlan) may be released.
//
// Reads: that kind (its spec, or the metadata the caller reads).
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
// object (see ReadPlan).
//
// Reads: Namespace (declare the labels or annotations read of it).
func (ix *Index) Namespace(name string) *manifest.Object { return ix.namespaces[name] }

// ServiceAccount returns the ServiceAccount ns/name, if loaded.
//
// Reads: nothing but whether the ServiceAccount is in the input.
func (ix *Index) ServiceAccount(ns, name string) *manifest.Object {
	return ix.serviceAccounts[ns+"/"+name]
}

// Service returns the Service with that cluster-local FQDN
// (name.namespace.svc.cluster.local), if loaded.
//
// Reads: Service (declare its spec when reading it).
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

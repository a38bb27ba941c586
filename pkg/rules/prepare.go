package rules

import (
	"sync"
	"sync/atomic"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Prepare builds, on up to workers goroutines, the caches rules share: what
// each pod template's mesh facts are for these cluster facts (injection,
// native sidecar, quit calls, the parsed proxy.istio.io/config, SECRET_TTL
// settings, the hosts the containers name) and the index of
// AuthorizationPolicies by identity. It is optional: every cache is also
// built on first use, under a sync.Once. Calling it before the rules run
// spreads that work over the cores and leaves the rules, which may then
// run in parallel, only reading.
func (ix *Index) Prepare(f mesh.Facts, workers int) {
	ix.buildIdentities(f)
	ws := ix.Workloads
	const chunk = 64
	workers = min(workers, (len(ws)+chunk-1)/chunk)
	var next atomic.Int64
	work := func() {
		for {
			end := int(next.Add(chunk))
			start := end - chunk
			if start >= len(ws) {
				return
			}
			for _, w := range ws[start:min(end, len(ws))] {
				ix.prepareWorkload(w, f)
			}
		}
	}
	if workers <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(work)
	}
	wg.Wait()
}

// prepareWorkload fills the caches of one template that rules read.
func (ix *Index) prepareWorkload(w *Workload, f mesh.Facts) {
	ix.Injection(w)
	if !w.Released() { // else Restore builds the rest
		w.prepareTemplate(f)
	}
}

// prepareTemplate builds the caches derived from the template alone.
func (w *Workload) prepareTemplate(f mesh.Facts) {
	w.Containers()
	w.ProxyConfig()
	w.SecretTTLSettings()
	if w.IsBatch() {
		w.podFacts()
		w.nativeSidecar(f)
		w.HostRefs()
	}
}

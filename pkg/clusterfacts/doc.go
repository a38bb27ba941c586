// Package clusterfacts reads, from a live cluster and read-only, the facts
// meshbatch lint cannot see in manifests: the API server's and the oldest
// kubelet's versions, every Istio revision (istiod's version and
// environment, its mesh config and injector defaults), the revision tags,
// ambient mode, and each namespace's resolved dataplane. Read returns them
// as a config.FactsFile, which `meshbatch facts` prints and lint reads.
//
// Which object carries which fact, per Istio version, is
// docs/istio-installs.md of the shared docs; each reader below cites the
// Istio source it follows. Read only gets and lists; a part it may not
// read (RBAC) or that does not exist is left out and said in a note.
//
// The package uses client-go's typed clientset, whose API scheme costs
// milliseconds at process start: only the meshbatch-facts binary links it,
// never meshbatch itself (cmd/meshbatch TestNoClientGo).
package clusterfacts

// Package manifest reads Kubernetes and Istio manifests into typed objects
// while remembering where every field came from.
//
// A file is split into YAML documents, each document is parsed on its own
// (so one broken document does not hide the others), and known kinds are
// decoded strictly into the types of k8s.io/api and istio.io/api. The raw
// bytes of each document are kept so that a field path can be turned back
// into a line and column only when a finding needs one: holding a yaml.Node
// tree per object would cost many times the document's bytes.
//
// Most documents never meet yaml.v3: a scanner for the block-style YAML
// manifests are written in (fastyaml.go) reads them into a flat node array
// and decodes that straight into the typed object (fastdecode.go). It
// declines everything else and every document with a problem, which then
// take the yaml.v3 path, so messages and positions come from one place.
package manifest

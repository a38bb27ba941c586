// Package manifest reads Kubernetes and Istio manifests into typed objects
// while remembering where every field came from.
//
// A file is split into YAML documents, each document is parsed on its own
// (so one broken document does not hide the others), and known kinds are
// decoded strictly into the types of k8s.io/api and istio.io/api. The raw
// bytes of each document are kept so that a field path can be turned back
// into a line and column only when a finding needs one: holding a yaml.Node
// tree per object would cost several kilobytes each.
package manifest

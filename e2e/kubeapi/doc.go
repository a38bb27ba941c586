// Package kubeapi submits every generated manifest to a real kube-apiserver
// (with etcd, started by controller-runtime's envtest) that has Istio's CRDs
// installed, as dry-run create and dry-run server-side apply with strict field
// validation. That is what a cluster admits before any webhook runs: built-in
// validation of Jobs/CronJobs/Namespaces, unknown fields, and the CRDs'
// OpenAPI schemas with their CEL rules.
//
// The binaries come from hack/e2e-tools.sh (`make e2e-tools`), which puts them
// in .cache/e2e/; KUBEBUILDER_ASSETS overrides the folder. Without them the
// tests skip, except under CI=true, where they fail.
package kubeapi

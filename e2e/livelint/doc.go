// Package livelint runs meshbatch lint --cluster against a real
// kube-apiserver (envtest, with Istio's CRDs), as a user bound only to
// deploy/rbac/meshbatch-reader.yaml: pod, Job and CronJob statuses written
// through the status subresource make each live condition, with a
// negative beside each, and the reports are compared with goldens in
// e2e/testdata/live (go test -update rewrites them). BenchmarkLintCluster
// times listing and linting 10,000 Pods and 2,000 Jobs.
package livelint

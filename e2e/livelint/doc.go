// Package livelint runs meshbatch lint --cluster against a real
// kube-apiserver (envtest, with Istio's CRDs), as a user bound only to
// deploy/rbac/meshbatch-reader.yaml: pod, Job and CronJob statuses written
// through the status subresource make each live condition (MB701-MB707),
// with a negative beside each, and the reports are compared with goldens
// in e2e/testdata/live. The statuses are written relative to a fixed
// instant that lint is given with --now, so the goldens hold real dates;
// `hack/e2e.sh -run TestLintCluster ./livelint -update` rewrites them.
// It also runs lint --cluster the ways a new user gets it wrong (no role,
// refused credentials, an unknown context, no meshbatch-facts).
// BenchmarkLintCluster times listing and linting 10,000 Pods and 2,000
// Jobs.
package livelint

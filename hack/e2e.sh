#!/usr/bin/env bash
# Validates every generated manifest with the validators a cluster runs (see docs/validation.md):
# a real kube-apiserver with Istio's CRDs (e2e/kubeapi) and istiod's validating webhook
# (e2e/istiowebhook). Gets etcd and kube-apiserver on first use (hack/e2e-tools.sh), then
# runs the tests of the separate e2e/ Go module, whose heavy dependencies never reach the
# meshbatch binary. Extra arguments go to `go test` (e.g. -run, -v).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS=0
KUBEBUILDER_ASSETS=$(hack/e2e-tools.sh)
export KUBEBUILDER_ASSETS
echo "e2e: etcd and kube-apiserver ready in ${SECONDS} s"

cd e2e
SECONDS=0
go vet ./...
go test -count=1 "$@" ./...
echo "e2e: vet, test build and run in ${SECONDS} s"

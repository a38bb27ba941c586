#!/usr/bin/env bash
# Builds e2e/istiovalid/testdata/mbverdict, a program that prints what an
# older Istio release's own validation says of each object it reads, inside
# that release's source tree and with that release's go.mod, so that no
# second istio.io/istio version enters e2e/go.mod. Then
#
#   MESHBATCH_ISTIO_VERDICT=1.24=/tmp/mbverdict-1.24.6 hack/e2e.sh -run TestValidationAgreesWithOlderIstio ./istiovalid
#
# holds pkg/istiovalid's ConfigAt(24, ...) to it (docs/istio-validation-versions.md);
# -run TestProxyConfigAgreesWithOlderIstio holds ProxyConfigAnnotationAt(24, ...) to
# that release's injector check of proxy.istio.io/config (pkg/kube/inject).
#
# Usage: hack/istio-verdict.sh ISTIO_GIT_DIR TAG OUT
# ISTIO_GIT_DIR is a clone of istio/istio with its tags. Where the module
# proxy lacks the release's istio.io/api or istio.io/client-go pseudo-version,
# set ISTIO_API_DIR / ISTIO_CLIENT_GO_DIR to checkouts of the commits its
# go.mod names; they replace the modules.
set -euo pipefail
if [ $# -ne 3 ]; then
	echo "usage: $0 ISTIO_GIT_DIR TAG OUT" >&2
	exit 2
fi
src=$(cd "$(dirname "$0")/.." && pwd)/e2e/istiovalid/testdata/mbverdict/main.go
out=$(realpath -m "$3")
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
git -C "$1" archive "$2" | tar -x -C "$tree"
mkdir -p "$tree/tools/mbverdict"
cp "$src" "$tree/tools/mbverdict/main.go"
cd "$tree"
if [ -n "${ISTIO_API_DIR:-}" ]; then
	go mod edit -replace "istio.io/api=$ISTIO_API_DIR"
fi
if [ -n "${ISTIO_CLIENT_GO_DIR:-}" ]; then
	go mod edit -replace "istio.io/client-go=$ISTIO_CLIENT_GO_DIR"
fi
GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o "$out" ./tools/mbverdict
echo "$out: Istio $2's validation"

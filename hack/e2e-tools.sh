#!/usr/bin/env bash
# Puts etcd and kube-apiserver into $E2E_ASSETS (default .cache/e2e/k8s-<version>/) for the
# envtest-based tests in e2e/. Idempotent: a binary that is already there is kept, so only the
# first run pays for the apt install and the apiserver build (their times: "Cost in CI" in
# docs/validation.md). Prints the folder.
#
# No prebuilt Kubernetes binaries can be downloaded here (only the Go module proxy and Debian's
# apt are reachable), so:
#   etcd            Debian's etcd-server package (3.4, works with kube-apiserver 1.36);
#   kube-apiserver  built from the k8s.io/kubernetes module in a throwaway module under .cache/,
#                   because `go install k8s.io/kubernetes/cmd/kube-apiserver@vX` is refused (its
#                   go.mod replaces 33 staging modules with paths the module zip lacks).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Keep in step with the k8s.io/* v0.X.Y versions in e2e/go.mod (they then share the build cache).
K8S_VERSION=${K8S_VERSION:-v1.36.1}
E2E_ASSETS=${E2E_ASSETS:-$root/.cache/e2e/k8s-$K8S_VERSION}
mkdir -p "$E2E_ASSETS"
log() { echo "e2e-tools: $*" >&2; }

# --- etcd ---------------------------------------------------------------------------------
if [ ! -x "$E2E_ASSETS/etcd" ]; then
	etcd_bin=$(command -v etcd || true)
	if [ -z "$etcd_bin" ]; then
		log "installing etcd-server with apt-get"
		sudo=""
		if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
		# Without a fresh package list apt may not know the package (or its current version).
		$sudo apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends etcd-server >&2
		etcd_bin=$(command -v etcd)
	fi
	ln -sf "$etcd_bin" "$E2E_ASSETS/etcd"
fi

# --- kube-apiserver -----------------------------------------------------------------------
if [ ! -x "$E2E_ASSETS/kube-apiserver" ]; then
	log "building kube-apiserver $K8S_VERSION (a few minutes, once)"
	start=$(date +%s)
	minor=${K8S_VERSION#v1.}
	minor=${minor%%.*}
	staging="v0.${K8S_VERSION#v1.}"
	work=$root/.cache/e2e/kube-apiserver-build-$K8S_VERSION
	rm -rf "$work"
	mkdir -p "$work"
	cd "$work"
	go mod init meshbatch.local/kube-apiserver-build >/dev/null 2>&1
	# The staging modules k8s.io/kubernetes replaces with ./staging/src/...: point each at its
	# published release of the same Kubernetes version instead.
	gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
	[ -n "$gomod" ] || { log "cannot download k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
	args=(-require="k8s.io/kubernetes@$K8S_VERSION")
	for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$gomod"); do
		args+=(-replace="$m=$m@$staging")
	done
	[ "${#args[@]}" -gt 10 ] || { log "found no staging replaces in $gomod"; exit 1; }
	go mod edit "${args[@]}" -tool=k8s.io/kubernetes/cmd/kube-apiserver
	go mod tidy >&2
	# Without the version ldflags the server says v0.0.0-master and clients refuse it.
	go build -trimpath -ldflags "-s -w \
		-X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
		-X k8s.io/component-base/version.gitMajor=1 \
		-X k8s.io/component-base/version.gitMinor=$minor" \
		-o "$E2E_ASSETS/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
	mv "$E2E_ASSETS/kube-apiserver.tmp" "$E2E_ASSETS/kube-apiserver"
	cd "$root"
	rm -rf "$work"
	log "kube-apiserver built in $(($(date +%s) - start)) s"
fi

"$E2E_ASSETS/kube-apiserver" --version >&2
echo "$E2E_ASSETS"

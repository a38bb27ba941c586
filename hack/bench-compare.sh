#!/usr/bin/env bash
# bench-compare: time `meshbatch lint` as a whole process against the floor
# (one goroutine decoding every document into a yaml.v3 Node, hack/floor)
# and, when it is on PATH, `istioctl analyze --use-kube=false -A`, on the
# same generated files. Each figure is the median of RUNS rounds; within a
# round the commands run in turn, so drift on a shared machine hits all.
#
#   make bench-compare                       # 10k and 100k objects, 5 rounds
#   SIZES="1000 10000" RUNS=9 make bench-compare
#   PATH=$PWD/.cache/tools:$PATH make bench-compare   # with a local istioctl
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
SIZES=${SIZES:-"10000 100000"}
RUNS=${RUNS:-5}
COLD_RUNS=${COLD_RUNS:-21}
FACTS=${FACTS:-"--istio-version 1.28 --kubernetes-version 1.31"}
dir=.cache/bench
bin=$dir/bin
corpus_version=1 # bump when internal/corpusgen's output changes
mkdir -p "$bin"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)'), $($GO version | cut -d' ' -f3)"

# The binary is built as `make build` builds it.
$GO build -trimpath -ldflags '-s -w' -o "$bin/meshbatch" ./cmd/meshbatch
# The helpers are a module of their own (hack/go.mod).
abs_bin=$(cd "$bin" && pwd)
(cd hack && $GO build -trimpath -o "$abs_bin/" ./floor ./benchproc ./corpusgen)

corpus() { # corpus N: the directory of an N-object corpus, generated once
	local d="$dir/corpus-v$corpus_version-$1"
	if [ ! -e "$d/.complete" ]; then
		rm -rf "$d"
		"$bin/corpusgen" -n "$1" -o "$d" >/dev/null
		touch "$d/.complete"
	fi
	echo "$d"
}

istioctl=${ISTIOCTL:-$(command -v istioctl || true)}
if [ -z "$istioctl" ]; then
	echo "istioctl: not on PATH, skipped (see docs/performance.md to build one into .cache/tools)"
fi

for n in $SIZES; do
	c=$(corpus "$n")
	echo
	echo "== $n objects, $(find "$c" -name '*.yaml' -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1e6}') MB in $(find "$c" -name '*.yaml' | wc -l) files"
	args=(-n "$RUNS" -cmd "lint=$bin/meshbatch lint $FACTS $c" -cmd "floor=$bin/floor $c" -ratio lint/floor)
	if [ -n "$istioctl" ]; then
		args+=(-cmd "istioctl=$istioctl analyze --use-kube=false -A $c" -ratio lint/istioctl)
	fi
	"$bin/benchproc" "${args[@]}"
done

echo
echo "== cold start"
small=$(corpus 20)/team-00000/manifests.yaml
"$bin/benchproc" -n "$COLD_RUNS" -warmup 3 -cmd "version=$bin/meshbatch version" -cmd "lint-small=$bin/meshbatch lint $FACTS $small"

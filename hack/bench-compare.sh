#!/usr/bin/env bash
# bench-compare: time `meshbatch lint` as a whole process against the floor
# (one goroutine decoding every document into a yaml.v3 Node, hack/floor)
# and, when it is on PATH, `istioctl analyze --use-kube=false -A`, on the
# same generated files: the default corpus and a findings-heavy one (most
# workloads with one to three findings, as in a repository adopting
# meshbatch). Each figure is the median of RUNS rounds; within a round the
# commands run in turn, so drift on a shared machine hits all.
#
# With BASE set to a git revision, the meshbatch of that revision (built
# from `git archive` into .cache/bench/base-REV) runs in the same rounds as
# this tree's, as "base": both, their ratio, and their peak RSS ratio.
#
#   make bench-compare                       # 10k and 100k objects, 5 rounds
#   SIZES="1000 10000" RUNS=9 make bench-compare
#   BASE=main make bench-compare             # this tree against main, old and new in turn
#   FINDINGS_SIZES= make bench-compare       # without the findings-heavy corpus
#   PATH=$PWD/.cache/tools:$PATH make bench-compare   # with a local istioctl
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
SIZES=${SIZES:-"10000 100000"}
FINDINGS_SIZES=${FINDINGS_SIZES-$SIZES}
RUNS=${RUNS:-5}
COLD_RUNS=${COLD_RUNS:-21}
FACTS=${FACTS:-"--istio-version 1.28 --kubernetes-version 1.31"}
BASE=${BASE:-}
dir=.cache/bench
bin=$dir/bin
corpus_version=1          # bump when internal/corpusgen's default output changes
findings_corpus_version=1 # bump when its findings-heavy output changes
mkdir -p "$bin"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)'), $($GO version | cut -d' ' -f3)"

# The binary is built as `make build` builds it.
$GO build -trimpath -ldflags '-s -w' -o "$bin/meshbatch" ./cmd/meshbatch
# The helpers are a module of their own (hack/go.mod).
abs_bin=$(cd "$bin" && pwd)
(cd hack && $GO build -trimpath -o "$abs_bin/" ./floor ./benchproc ./corpusgen)

# The base binary, built the same way from the revision's files alone.
base=
if [ -n "$BASE" ]; then
	rev=$(git rev-parse --verify "$BASE^{commit}")
	short=$(git rev-parse --short "$rev")
	src=$dir/base-$short
	if [ ! -e "$src/.complete" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		git archive "$rev" | tar -x -C "$src"
		touch "$src/.complete"
	fi
	base=$PWD/$bin/meshbatch-$short
	(cd "$src" && $GO build -trimpath -ldflags '-s -w' -o "$base" ./cmd/meshbatch)
	echo "base:    $short ($BASE), built from $src"
fi

corpus() { # corpus N [-findings]: the directory of an N-object corpus, generated once
	local d="$dir/corpus-v$corpus_version-$1"
	if [ "${2:-}" = -findings ]; then
		d="$dir/corpus-findings-v$findings_corpus_version-$1"
	fi
	if [ ! -e "$d/.complete" ]; then
		rm -rf "$d"
		"$bin/corpusgen" -n "$1" -o "$d" ${2:+"$2"} >/dev/null
		touch "$d/.complete"
	fi
	echo "$d"
}

istioctl=${ISTIOCTL:-$(command -v istioctl || true)}
if [ -z "$istioctl" ]; then
	echo "istioctl: not on PATH, skipped (see docs/performance.md to build one into .cache/tools)"
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

bench() { # bench N [-findings]: lint (and base) against the floor on one corpus
	local c what
	c=$(corpus "$1" ${2:+"$2"})
	what="$1 objects"
	if [ "${2:-}" = -findings ]; then
		what="$1 objects, findings-heavy"
	fi
	echo
	echo "== $what, $(find "$c" -name '*.yaml' -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1e6}') MB in $(find "$c" -name '*.yaml' | wc -l) files"
	args=(-n "$RUNS" -cmd "lint=$bin/meshbatch lint $FACTS $c")
	if [ -n "$base" ]; then
		args+=(-cmd "base=$base lint $FACTS $c")
	fi
	args+=(-cmd "floor=$bin/floor $c" -ratio lint/floor)
	if [ -n "$base" ]; then
		args+=(-ratio base/floor -ratio lint/base -rss-ratio lint/base)
	fi
	if [ -n "$istioctl" ]; then
		args+=(-cmd "istioctl=$istioctl analyze --use-kube=false -A $c" -ratio lint/istioctl)
	fi
	"$bin/benchproc" "${args[@]}" | tee "$out/$1${2:-}"
}

scaling() { # scaling KIND SIZE...: lint's time at the largest size over the smallest
	local kind=$1 small large cmd label
	shift
	[ $# -ge 2 ] || return 0
	small=$(printf '%s\n' "$@" | sort -n | head -1)
	large=$(printf '%s\n' "$@" | sort -n | tail -1)
	label="$large / $small objects"
	if [ "$kind" = -findings ]; then
		label="$label, findings-heavy"
	fi
	for cmd in lint ${base:+base}; do
		awk -v cmd="$cmd" -v label="$label" '
			function s(t) { return t ~ /ms$/ ? substr(t, 1, length(t) - 2) / 1000 : substr(t, 1, length(t) - 1) }
			$1 == cmd { wall[FILENAME] = s($2); cpu[FILENAME] = s($5); order[n++] = FILENAME }
			END { printf "scaling %s: %s %.1f wall, %.1f CPU\n", label, cmd, wall[order[1]] / wall[order[0]], cpu[order[1]] / cpu[order[0]] }
		' "$out/$small$kind" "$out/$large$kind"
	done
}

for n in $SIZES; do
	bench "$n"
done
for n in $FINDINGS_SIZES; do
	bench "$n" -findings
done
echo
# shellcheck disable=SC2086 # the sizes are words
scaling "" $SIZES
# shellcheck disable=SC2086
scaling -findings $FINDINGS_SIZES

echo
echo "== cold start"
small=$(corpus 20)/team-00000/manifests.yaml
args=(-n "$COLD_RUNS" -warmup 3 -cmd "version=$bin/meshbatch version" -cmd "lint-small=$bin/meshbatch lint $FACTS $small")
if [ -n "$base" ]; then
	args+=(-cmd "base-ver=$base version" -cmd "base-small=$base lint $FACTS $small")
fi
"$bin/benchproc" "${args[@]}"

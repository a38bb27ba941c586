#!/usr/bin/env bash
# same-output: prove that two meshbatch binaries behave the same, for
# refactors that must not change behaviour. Every case runs both binaries
# with the same arguments, working directory, standard input and environment
# (MESHBATCH_* variables removed), and compares stdout, stderr and the exit
# code byte for byte, plus the files written for `generate -o` and `docs
# --dir` (the same path is used for both binaries, then moved aside). A
# difference prints the case and a short `diff -u`; the run goes on and ends
# with `same-output: N cases, M differ` (exit 1 if M > 0).
#
#   go build -o /tmp/old ./cmd/meshbatch     # at the commit before
#   go build -o /tmp/new ./cmd/meshbatch     # at the commit after
#   hack/same-output.sh /tmp/old /tmp/new
#   SIZES="10000" hack/same-output.sh /tmp/old /tmp/new   # synthetic corpora (default "10000 100000"; "" for none)
#   VERBOSE=1 hack/same-output.sh /tmp/old /tmp/new       # also list every case with OLD's exit code
#
# Cases: `--help` of every command, `rules` (each format), `rules explain` of
# every rule id and slug, `docs`, `completion`; `generate` of examples/*.yaml
# and of pkg/generate's testdata (the golden inputs, and errors/), to stdout,
# from stdin, into a directory (and --check), and piped into `lint -`; `lint`
# of testdata/article, each rule fixture folder (pkg/rules/**/testdata/MBxxx,
# wherever the tree keeps them), the generated examples, pkg/generate's
# testdata, ../shared/corpus (skipped if absent) and
# synthetic corpora (`go -C hack run ./corpusgen`, cached in .cache/same-output)
# in every --format with and without facts, plus --partial, --fail-on,
# --min-severity, --no-inline-ignores (corpora above 20000 objects: text and
# json only); lint from stdin; error cases; .meshbatch.yaml configs.
# `version` is left out: it prints build information. lint has no worker-count
# flag; its output order does not depend on scheduling.
#
# Normalised: only the tool version that the JSON and SARIF reports embed
# ("version": "<what `BINARY version` prints>", on stdout and in written
# report files), and only when the two binaries report different versions:
# the ldflags of `make build`, or the VCS stamp of a plain `go build` when
# -buildvcs is on (Go 1.24+ turns it into a pseudo-version per commit). Plain
# `go build` with -buildvcs=false (GOFLAGS here) gives "dev" for both, and
# nothing is changed.
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: hack/same-output.sh OLD_BINARY NEW_BINARY" >&2
	exit 2
fi
abs() { # abs FILE: an absolute path, resolved before the cd below
	local p=$1
	[[ $p == */* ]] || p=$(command -v -- "$p" || echo "$p")
	[[ -f $p && -x $p ]] || die "$1 is not an executable file"
	echo "$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"
}
die() { echo "same-output: $*" >&2; exit 2; }
declare -A BIN=([old]=$(abs "$1") [new]=$(abs "$2"))
cd "$(dirname "$0")/.."
ROOT=$PWD

while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep '^MESHBATCH_' || true)
export LC_ALL=C
SIZES=${SIZES-"10000 100000"}
BIG=20000 # corpora above this many objects get the short list of lint cases
FACTS=(--istio-version 1.28 --kubernetes-version 1.31 --outbound-policy REGISTRY_ONLY)
FACTS_README=(--istio-version 1.22 --kubernetes-version 1.28 --outbound-policy REGISTRY_ONLY)

T=$(mktemp -d "${TMPDIR:-/tmp}/same-output.XXXXXX")
trap 'rm -rf "$T" .cache/same-output/corpus-*.tmp."$$"' EXIT
CASE=$T/case # outputs of the case being run: $CASE/{old,new}/{stdout,stderr,exit,tree}

# The tool version in JSON and SARIF reports (see the header).
declare -A VERSION_RE=()
ver_old=$("${BIN[old]}" version 2>/dev/null | awk '{print $2}' || true)
ver_new=$("${BIN[new]}" version 2>/dev/null | awk '{print $2}' || true)
if [[ $ver_old != "$ver_new" ]]; then
	echo "note: versions differ ($ver_old, $ver_new): the reports' tool version is normalised"
	VERSION_RE[old]=$(printf '%s' "$ver_old" | sed 's/[][\/.^$*]/\\&/g')
	VERSION_RE[new]=$(printf '%s' "$ver_new" | sed 's/[][\/.^$*]/\\&/g')
fi

cases=0
differ=0

# run_side SIDE CWD STDIN ARG...: run one binary, outputs into $CASE/SIDE.
run_side() {
	local side=$1 cwd=$2 in=$3 rc=0
	shift 3
	[[ -r $in ]] || die "input $in is missing (was it moved while this ran?)"
	mkdir -p "$CASE/$side"
	(cd "$cwd" && exec "${BIN[$side]}" "$@") <"$in" >"$CASE/$side/stdout" 2>"$CASE/$side/stderr" || rc=$?
	echo "$rc" >"$CASE/$side/exit"
	normalise "$side" "$CASE/$side/stdout"
}

# normalise SIDE PATH: the tool version in the reports at PATH (a file, or
# every file below a directory), when the versions differ.
normalise() {
	[[ -n ${VERSION_RE[$1]:-} && -e $2 ]] || return 0
	find "$2" -type f -exec sed -i "s/\"version\": \"${VERSION_RE[$1]}\"/\"version\": \"(tool version)\"/" {} +
}

# compare NAME: compare $CASE/old with $CASE/new, report, clear $CASE.
compare() {
	local name=$1 f bad=()
	cases=$((cases + 1))
	for f in exit stdout stderr; do
		cmp -s "$CASE/old/$f" "$CASE/new/$f" || bad+=("$f")
	done
	if [[ -e $CASE/old/tree || -e $CASE/new/tree ]]; then
		diff -r "$CASE/old/tree" "$CASE/new/tree" >/dev/null 2>&1 || bad+=(tree)
	fi
	[[ -z ${VERBOSE:-} ]] || echo "   [$cases] $name (exit $(<"$CASE/old/exit"))"
	if ((${#bad[@]})); then
		differ=$((differ + 1))
		echo "DIFF [$cases] $name: ${bad[*]} differ"
		for f in "${bad[@]}"; do
			if [[ $f == tree ]]; then
				(cd "$CASE" && diff -ru old/tree new/tree 2>&1 | head -40) || true
			else
				(cd "$CASE" && diff -u --label "old/$f" --label "new/$f" "old/$f" "new/$f" | head -40) || true
			fi
		done
	fi
	rm -rf "$CASE"
}

describe() { # describe CWD STDIN ARG...: the case as a command line
	local cwd=$1 in=$2 s=""
	shift 2
	[[ $cwd == "$ROOT" ]] || s="cd ${cwd#"$T"/} && "
	s+="meshbatch$(printf ' %q' "$@")"
	[[ $in == /dev/null ]] || s+=" < ${in#"$T"/}"
	echo "$s"
}

# run_in CWD STDIN ARG...: one case, both binaries with the same input.
run_in() {
	local cwd=$1 in=$2
	shift 2
	run_side old "$cwd" "$in" "$@"
	run_side new "$cwd" "$in" "$@"
	compare "$(describe "$cwd" "$in" "$@")"
}
run() { run_in "$ROOT" /dev/null "$@"; }

# pipe_case LABEL OLD_STDIN NEW_STDIN ARG...: each binary reads its own
# stdin (the output of its own generate, LABEL).
pipe_case() {
	local label=$1 in_old=$2 in_new=$3
	shift 3
	run_side old "$ROOT" "$in_old" "$@"
	run_side new "$ROOT" "$in_new" "$@"
	compare "meshbatch $label | $(describe "$ROOT" /dev/null "$@")"
}

# tree_case SEED DIR ARG...: the command writes into DIR (the same path for
# both binaries; first a copy of SEED if not empty); DIR is compared too.
tree_case() {
	local seed=$1 dir=$2 side
	shift 2
	for side in old new; do
		rm -rf "$dir"
		[[ -z $seed ]] || cp -a "$seed" "$dir"
		run_side "$side" "$ROOT" /dev/null "$@"
		[[ ! -e $dir ]] || mv "$dir" "$CASE/$side/tree"
		normalise "$side" "$CASE/$side/tree"
	done
	compare "$(describe "$ROOT" /dev/null "$@")${seed:+ (DIR seeded from ${seed#"$T"/})}"
}

group_start=$SECONDS
group_cases=0
group() { # group NAME: progress line for the group that starts
	echo "== $1"
	group_start=$SECONDS
	group_cases=$cases
}
group_end() { echo "   $((cases - group_cases)) cases, $((SECONDS - group_start))s"; }

sorted() { # sorted FIND-ARGS...: paths, sorted bytewise
	find "$@" -print | sort
}

# ---------------------------------------------------------------- inputs
group "inputs"
mkdir -p "$T/in" "$T/gen"
# examples/*.yaml generated with OLD, one directory: a lint input.
mapfile -t examples < <(sorted examples -maxdepth 1 -name '*.yaml')
for ex in "${examples[@]}"; do
	"${BIN[old]}" generate -f "$ex" -o "$T/in/examples-out" >/dev/null 2>&1 ||
		echo "note: OLD generate -f $ex -o failed; examples-out lacks it"
done
# The rule fixture folders and generate's golden inputs, found where they
# are (a refactor may move them).
mapfile -t fixtures < <(find pkg/rules -type d -name 'MB[0-9][0-9][0-9]' -path '*/testdata/*' | sort)
gen_td=$(find pkg/generate -type d -name testdata ! -path '*/testdata/*' | sort | head -1)
[[ ${#fixtures[@]} -gt 0 && -n $gen_td ]] || die "no rule fixtures under pkg/rules/**/testdata or no pkg/generate/**/testdata"
stdin_fixtures=(testdata/article/01-job-never-completes.yaml)
for d in "${fixtures[@]}"; do
	[[ ${d##*/} == MB101 ]] || continue
	mapfile -t l < <(find "$d" -name 'bad*.yaml' | sort)
	stdin_fixtures+=("${l[0]}")
done
[[ ${#stdin_fixtures[@]} -gt 1 ]] || stdin_fixtures+=("$(find "${fixtures[0]}" -name '*.yaml' | sort | head -1)")
# Synthetic corpora, generated once.
corpora=()
for n in $SIZES; do
	d=.cache/same-output/corpus-$n
	if [[ ! -d $d ]]; then
		echo "   generating $d"
		mkdir -p .cache/same-output
		(cd hack && go run ./corpusgen -n "$n" -o "../$d.tmp.$$") >/dev/null # hack/go.mod: a module of its own
		mv -T "$d.tmp.$$" "$d" 2>/dev/null || rm -rf "$d.tmp.$$" # a concurrent run made it first
	fi
	corpora+=("$d")
done
# Bad inputs.
mkdir -p "$T/in/bad" "$T/in/empty-dir"
printf 'apiVersion: batch/v1\nkind: Job\nmetadata:\n\tname: tab\n  spec: [\n' >"$T/in/bad/broken.yaml"
printf 'just some text, not a manifest\n' >"$T/in/bad/notes.txt"
printf 'plain scalar\n' >"$T/in/bad/scalar.yaml"
printf '\x00\x01\x02binary\xff\xfe\n' >"$T/in/bad/binary.yaml"
group_end

# ---------------------------------------------------------------- help, rules, docs
group "help, rules, docs, completion"
run --help
run help
run bogus-command
# --help of every command, found by walking `--help` (docs is hidden).
cmds=("docs")
walk() { # walk CMD...: collect the subcommands of CMD
	local sub
	while IFS= read -r sub; do
		[[ -n $sub ]] || continue
		cmds+=("$* $sub")
		walk "$@" "$sub"
	done < <("${BIN[old]}" "$@" --help 2>/dev/null |
		awk '/^Available Commands:/{on=1; next} on && /^[^ ]/{on=0} on && NF{print $1}')
}
walk
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086 # a command path is words
	run ${c# } --help
done
run lint -h
run rules
for f in text json markdown bogus; do run rules --format "$f"; done
mapfile -t rule_lines < <("${BIN[old]}" rules | awk '$1 ~ /^MB[0-9]+$/ {print $1, $3}')
[[ ${#rule_lines[@]} -gt 0 ]] || die "OLD rules printed no rule ids"
for l in "${rule_lines[@]}"; do
	run rules explain "${l% *}"
	run rules explain "${l#* }"
done
run rules explain MB999
run rules explain
tree_case "" "$T/gen/docs" docs --dir "$T/gen/docs"
for sh in bash zsh fish powershell bogus; do run completion "$sh"; done
group_end

# ---------------------------------------------------------------- generate
group "generate"
mapfile -t gen_ok < <(find "$gen_td" -mindepth 2 -maxdepth 2 -name spec.yaml \
	! -path '*/errors/*' ! -path '*/fuzz/*' | sort)
mapfile -t gen_err < <(sorted "$gen_td/errors" -mindepth 2 -maxdepth 2 -name spec.yaml)
specs=("${examples[@]}" "${gen_ok[@]}")
i=0
for s in "${specs[@]}" "${gen_err[@]}"; do
	run generate -f "$s"
	run_in "$ROOT" "$s" generate -f -
	out=$T/gen/out
	tree_case "" "$out" generate -f "$s" -o "$out"
done
for s in "${specs[@]}"; do
	# A directory the spec was generated into by OLD: up to date, then stale.
	ref=$T/gen/ref
	rm -rf "$ref"
	"${BIN[old]}" generate -f "$s" -o "$ref" >/dev/null 2>&1 || continue
	tree_case "$ref" "$out" generate -f "$s" -o "$out" --check
	tree_case "$ref" "$out" generate -f "$s" -o "$out"
	first=$(find "$ref" -type f -name '*.yaml' | sort | head -1)
	if [[ -n $first ]]; then
		echo "# edited by hand" >>"$first"
		printf '# generated by meshbatch from %s; do not edit\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stale\n' "$s" \
			>"$ref/configmap-stale.yaml"
		tree_case "$ref" "$out" generate -f "$s" -o "$out" --check
		tree_case "$ref" "$out" generate -f "$s" -o "$out"
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: foreign\n' >"$first"
		tree_case "$ref" "$out" generate -f "$s" -o "$out"
		tree_case "$ref" "$out" generate -f "$s" -o "$out" --force
	fi
done
run generate
run generate -f does-not-exist.yaml
run_in "$ROOT" "${examples[0]}" generate -f - -o "$T/gen/never"
run generate -f "${examples[0]}" --check
# Each binary's own generate output, piped into its own lint.
for s in "${examples[@]}" "${gen_ok[@]}"; do
	i=$((i + 1))
	for side in old new; do
		"${BIN[$side]}" generate -f "$s" >"$T/gen/pipe-$side-$i.yaml" 2>/dev/null || true
	done
	pipe_case "generate -f $s" "$T/gen/pipe-old-$i.yaml" "$T/gen/pipe-new-$i.yaml" lint -
	pipe_case "generate -f $s" "$T/gen/pipe-old-$i.yaml" "$T/gen/pipe-new-$i.yaml" lint "${FACTS[@]}" -
done
group_end

# ---------------------------------------------------------------- lint
# lint_input DIR [short]: every format with and without facts, and the
# options that change what is shown or how the input is read.
lint_input() {
	local in=$1 f
	local formats=(text json sarif github junit)
	[[ ${2:-} != short ]] || formats=(text json)
	for f in "${formats[@]}"; do
		run lint --format "$f" "$in"
		run lint --format "$f" "${FACTS[@]}" "$in"
	done
	[[ ${2:-} != short ]] || return 0
	run lint --partial "$in"
	run lint --fail-on warning "$in"
	run lint --min-severity warning "$in"
	run lint --format json --no-inline-ignores "$in"
}

group "lint: testdata/article"
lint_input testdata/article
for f in text json sarif github junit; do run lint --format "$f" "${FACTS_README[@]}" testdata/article; done
run lint --format text --format json --format sarif --output - --output - --output - "${FACTS[@]}" testdata/article
run lint --suppress 'MB301=Job reporting/*' --skip-non-manifests --fail-on info testdata/article
group_end

group "lint: rule fixtures (${#fixtures[@]} folders under ${fixtures[0]%/*})"
for d in "${fixtures[@]}"; do lint_input "$d"; done
group_end

group "lint: generated examples, $gen_td"
lint_input "$T/in/examples-out"
lint_input "$gen_td"
group_end

if [[ -d ../shared/corpus ]]; then
	group "lint: ../shared/corpus"
	lint_input ../shared/corpus
	group_end
else
	echo "== lint: ../shared/corpus is absent, skipped"
fi

for d in "${corpora[@]}"; do
	group "lint: $d"
	if ((${d##*-} > BIG)); then lint_input "$d" short; else lint_input "$d"; fi
	group_end
done

# ---------------------------------------------------------------- stdin, errors
group "lint: stdin and errors"
for s in "${stdin_fixtures[@]}"; do
	run_in "$ROOT" "$s" lint -
	run_in "$ROOT" "$s" lint --format json "${FACTS[@]}" -
	run_in "$ROOT" "$s" lint --format sarif -
	run_in "$ROOT" "$s" lint --max-file-size 10 -
done
run_in "$ROOT" /dev/null lint -
run lint
run lint does-not-exist
run lint does-not-exist testdata/article
run lint --fail-on bogus testdata/article
run lint --min-severity bogus testdata/article
run lint --format bogus testdata/article
tree_case "" "$T/gen/report" lint --output "$T/gen/report" testdata/article
tree_case "" "$T/gen/report" lint --format json --format sarif --output - --output "$T/gen/report" "${FACTS[@]}" testdata/article
run lint --istio-version one.two testdata/article
run lint --suppress 'MB301=not-a-target' testdata/article
run lint --no-such-flag testdata/article
for f in "$T/in/bad/broken.yaml" "$T/in/bad/notes.txt" "$T/in/bad/scalar.yaml" "$T/in/bad/binary.yaml" "$T/in/bad"; do
	run lint "$f"
	run lint --format json "$f"
done
run lint "$T/in/empty-dir"
run lint testdata/article testdata/article/01-job-never-completes.yaml
run lint --max-file-size 10 testdata/article
run lint --max-file-size 10 "${stdin_fixtures[1]}"
run lint --max-file-size bogus testdata/article
run lint --max-nodes 5 testdata/article
run lint --max-nodes 5 --format json "${fixtures[0]}"
run lint --max-depth 2 testdata/article
group_end

# ---------------------------------------------------------------- config
group "lint: .meshbatch.yaml"
cfg=$T/cfg
mkdir -p "$cfg"
cp -r testdata/article "$cfg/article"
cat >"$cfg/.meshbatch.yaml" <<'EOF'
rules:
  disable: [MB105]
  severity: {MB301: error}
ignore:
  - rules: [MB601]
    paths: ["article/05-*"]
    reason: calls an API that the mesh allows
facts:
  istioVersion: "1.28"
EOF
run_in "$cfg" /dev/null lint article
run_in "$cfg" /dev/null lint .
run_in "$cfg" /dev/null lint --format json article
run_in "$cfg" /dev/null lint --format sarif article
run_in "$cfg" /dev/null lint --istio-version 1.22 --fail-on warning article
run_in "$cfg" /dev/null lint --no-config article
run_in "$cfg/article" /dev/null lint .
run lint --config "$cfg/.meshbatch.yaml" testdata/article
cfgbad=$T/cfg-bad
mkdir -p "$cfgbad"
cp -r testdata/article "$cfgbad/article"
printf 'failOn: bogus\n' >"$cfgbad/.meshbatch.yaml"
run_in "$cfgbad" /dev/null lint article
printf 'rules:\n  disabel: [MB105]\n' >"$cfgbad/typo.yaml"
run_in "$cfgbad" /dev/null lint --config typo.yaml article
run_in "$cfgbad" /dev/null lint --config missing.yaml article
group_end

echo "same-output: $cases cases, $differ differ"
((differ == 0))

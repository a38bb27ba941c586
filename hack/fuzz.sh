#!/usr/bin/env bash
# Run every native Go fuzz target of the module (func Fuzz* in a _test.go
# file), one at a time: `go test -fuzz` takes one target per package run.
#
#   FUZZTIME=30s          how long each target runs (a duration, or Nx for N inputs)
#   FUZZ=regexp           only the targets whose name matches
#   FUZZPARALLEL=N        fuzzing workers per target (default: GOMAXPROCS;
#                         use 1 for long runs on a shared machine)
#   FUZZMINIMIZETIME=2s   time spent minimizing each new input (go's default
#                         of 60s stalls short runs on large seeds)
#
# Inputs that crash are written to <package>/testdata/fuzz/<Target>/ by go
# test: commit them (they become regression seeds) with the fix. The
# script runs every target and exits 1 if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-30s}
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-2s}
GO=${GO:-go}

targets=()
while IFS= read -r file; do
	dir=$(dirname "$file")
	while IFS= read -r name; do
		if [[ -n ${FUZZ:-} && ! $name =~ $FUZZ ]]; then
			continue
		fi
		targets+=("$dir $name")
	done < <(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*\*testing\.F).*/\1/p' "$file")
done < <(git ls-files -- '*_test.go' 2>/dev/null || find . -name '*_test.go' -not -path './.cache/*')

if [[ ${#targets[@]} -eq 0 ]]; then
	echo "fuzz: no targets${FUZZ:+ matching $FUZZ}" >&2
	exit 1
fi

failed=()
start=$SECONDS
for t in "${targets[@]}"; do
	read -r dir name <<<"$t"
	echo "=== fuzz $name ($dir, $FUZZTIME)"
	args=(test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime="$FUZZMINIMIZETIME")
	if [[ -n ${FUZZPARALLEL:-} ]]; then
		args+=(-parallel="$FUZZPARALLEL")
	fi
	if ! "$GO" "${args[@]}" "./$dir"; then
		failed+=("$name ($dir)")
	fi
done

echo "fuzz: ${#targets[@]} targets in $((SECONDS - start))s"
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	echo "fuzz: the failing inputs are in <package>/testdata/fuzz/<target>/; fix the code and commit them as regression seeds" >&2
	exit 1
fi

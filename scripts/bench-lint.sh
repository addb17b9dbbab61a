#!/usr/bin/env bash
# Benchmark: lint a study of 1000 specs (each extending one shared base file, as a study
# directory does) with the release build. Prints the median of 5 runs.
# Usage: swift build -c release && scripts/bench-lint.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="$root/.build/release/mimicc"
[ -x "$binary" ] || { echo "build first: swift build -c release" >&2; exit 2; }
study="$(mktemp -d)"
trap 'rm -rf "$study"' EXIT
cp "$root/specs/examples/student-base.yaml" "$study/base.yaml"
for i in $(seq 1 1000); do
  cat > "$study/student-$i.yaml" <<SPEC
mimicc: 1
extends: base.yaml
name: student-$i
model:
  layers:
    - conv: {filters: $((20 + i % 100)), kernel: 5}
    - maxpool: {size: 2}
    - conv: {filters: 64, kernel: 5}
    - maxpool: {size: 2}
    - dense: {units: dependent}
  budget: {params: 1M}
search:
  method: bayes
  trials: 30
  space:
    train.optimizer.sgd.lr: {log-uniform: [0.0013, 0.016]}
    model.layers[0].conv.filters: {int: [20, 120]}
SPEC
done
times=()
for run in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$binary" lint "$study" >/dev/null
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "lint of 1001 specs: median ${median} s over 5 runs (runs: ${times[*]})"

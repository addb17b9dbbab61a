#!/usr/bin/env bash
# In-process fuzzing of mimicc's front end and compiler with libFuzzer: every input goes
# through lint (parse, extends, lowering, shape inference, budgets), every diagnostic format,
# and compile (the training and inference graphs, fusion, the memory plan, inspect). A trap,
# an overflow, a hang (10 s) or more than 4 GiB is a finding: libFuzzer stops, writes the input
# to $FUZZ_DIR/artifacts/ and this script exits non-zero.
#
#   scripts/fuzz.sh [seconds]      (default 60; CI runs 60)
#
# The corpus grows in $FUZZ_DIR/corpus (default .build/fuzz), seeded from every spec in specs/
# and every diagnostic fixture; a later run starts from what earlier runs found. Reproduce a
# finding with: Fuzz/.build/release/mimicc-fuzz <artifact>
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
work=${FUZZ_DIR:-.build/fuzz}

# The fuzz target lives in its own package (Fuzz/), so the main build never needs libFuzzer;
# --sanitize fuzzer instruments every module of mimicc for coverage.
swift build --package-path Fuzz -c release --sanitize fuzzer 2>&1 | grep -E "error|warning: unre|Compiling mimicc_fuzz|Build complete" || true
test -x Fuzz/.build/release/mimicc-fuzz

mkdir -p "$work/corpus" "$work/seed" "$work/artifacts"
find specs Tests/MimicSpecTests/Fixtures -name '*.yaml' -print0 |
    while IFS= read -r -d '' file; do cp "$file" "$work/seed/$(echo "$file" | tr / _)"; done

status=0
Fuzz/.build/release/mimicc-fuzz "$work/corpus" "$work/seed" -dict=Fuzz/spec.dict \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$work/artifacts/" \
    -print_final_stats=1 > "$work/last.log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/last.log")
coverage=$(grep -o 'cov: [0-9]*' "$work/last.log" | tail -1)
if [ "$status" -ne 0 ]; then
    grep -E "ERROR|SUMMARY|Test unit written|Fatal error|runtime failure" "$work/last.log" | head -20
    echo "fuzz: FOUND A CRASH after ${runs:-?} inputs (exit $status); the log is $work/last.log" >&2
    exit 1
fi
echo "fuzz: ${runs:-0} inputs in ${seconds} s, no crash, no hang (${coverage:-cov: ?}); corpus $work/corpus"

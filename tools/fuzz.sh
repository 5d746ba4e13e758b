#!/usr/bin/env bash
# Run one libFuzzer target.
#   tools/fuzz.sh TARGET SECONDS        fuzz for SECONDS (builds build-fuzz/)
#   tools/fuzz.sh --binary PATH --runs N TARGET
#                                       deterministic smoke run: seed 1,
#                                       N runs (what CI does)
# TARGET is the name without "fuzz_", e.g. core_b64. The seed corpus in
# tests/fuzz/corpus/TARGET is copied to a scratch directory, so the repo's
# corpus only changes when you copy new finds in by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
binary= runs= seconds=
while [ $# -gt 0 ]; do
    case $1 in
    --binary) binary=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "usage: tools/fuzz.sh TARGET SECONDS" >&2; exit 64; }
target=$1
seconds=${2:-}
if [ -z "$binary" ]; then
    CC=clang cmake -S . -B build-fuzz -DMW_FUZZ=ON -DMW_BUILD_TESTS=OFF \
        -DMW_BUILD_EXAMPLES=OFF >/dev/null
    cmake --build build-fuzz -j"$(nproc)" --target "fuzz_$target" >/dev/null
    binary=build-fuzz/tests/fuzz/fuzz_$target
fi
corpus=tests/fuzz/corpus/$target
[ -d "$corpus" ] || { echo "no seed corpus $corpus" >&2; exit 66; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$corpus"/. "$scratch"/
dict=tests/fuzz/dict/$target.dict
opts=(-seed=1 -max_len=8192 -rss_limit_mb=2048 -print_final_stats=0)
[ -f "$dict" ] && opts+=("-dict=$dict")
if [ -n "$runs" ]; then
    opts+=("-runs=$runs")
else
    opts+=("-max_total_time=${seconds:-60}")
fi
echo "fuzz $target: ${opts[*]}"
"$binary" "${opts[@]}" -artifact_prefix="$scratch/" "$scratch" 2>"$scratch.log" || {
    tail -40 "$scratch.log"
    for a in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/oom-* "$scratch"/timeout-*; do
        [ -e "$a" ] && { echo "artifact: $(basename "$a")"; od -c "$a" | head -20; cp "$a" . ; }
    done
    rm -f "$scratch.log"
    exit 1
}
grep -E '^(Done|#[0-9]+ *DONE)' "$scratch.log" | tail -1
rm -f "$scratch.log"

#!/usr/bin/env bash
# Message parser benchmark (not a test; see README.md for the results).
#   tests/bench/msg/run.sh [MEGABYTES]     (default 100)
# Builds a Release libmailwire in build-msg-bench, the C benchmark against
# it, GMime 3 and libetpan, generates the corpora in $MW_BENCH_DIR
# (default /tmp/mw-bench), then prints MB/s, peak RSS and ratios for the
# mixed corpus and its attachment-free part, the memchr reference, the
# structure-only mode, the 1 GB single-message memory check and callgrind
# instructions per input byte.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
mb=${1:-100}
work=${MW_BENCH_DIR:-/tmp/mw-bench}
build=$root/build-msg-bench
mkdir -p "$work"

pkg-config --exists gmime-3.0 libetpan || {
    echo "need libgmime-3.0-dev and libetpan-dev" >&2; exit 69; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMW_BUILD_TESTS=OFF \
    -DMW_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j2 --target mailwire_static >/dev/null
# shellcheck disable=SC2046
cc -O2 -g -std=gnu11 -o "$work/bench" "$here/bench.c" \
    -I"$root/include" -I"$build/include" "$build/libmailwire.a" \
    $(pkg-config --cflags --libs gmime-3.0 libetpan)

[ -f "$work/mixed.corpus" ] || python3 "$here/gen_bench_corpus.py" "$work" "$mb"

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) cores; cc: $(cc --version | head -1)"
echo "# GMime $(pkg-config --modversion gmime-3.0), libetpan $(pkg-config --modversion libetpan), $(python3 --version)"
for corpus in mixed noatt; do
    f=$work/$corpus.corpus
    echo "## corpus $corpus: $(stat -c %s "$f") bytes"
    printf '%-9s %-6s %9s %12s\n' engine mode MB/s extraRSS_KB
    declare -A speed=()
    for run in "memchr full" "mailwire full" "gmime full" "etpan full" \
        "mailwire struct" "gmime struct" "etpan struct"; do
        set -- $run
        out=$("$work/bench" "$1" "$2" "$f" 3)
        read -r e m s r _ _ <<<"$out"
        speed[$e.$m]=$s
        printf '%-9s %-6s %9s %12s\n' "$e" "$m" "$s" "$r"
    done
    out=$(python3 "$here/bench_python.py" "$f" full)
    read -r e m s r _ _ <<<"$out"
    speed[python.full]=$s
    printf '%-9s %-6s %9s %12s\n' "$e" "$m" "$s" "$r"
    awk -v mw="${speed[mailwire.full]}" -v gm="${speed[gmime.full]}" \
        -v et="${speed[etpan.full]}" -v py="${speed[python.full]}" \
        -v mws="${speed[mailwire.struct]}" -v mc="${speed[memchr.full]}" 'BEGIN {
        printf "ratio mailwire/gmime %.2fx, /libetpan %.2fx, /python %.1fx; ", mw/gm, mw/et, mw/py
        printf "structure-only / memchr = %.3f\n", mws/mc }'
    unset speed
done

echo "## 1 GB single message (mailwire)"
"$work/bench" big 1

if command -v valgrind >/dev/null; then
    echo "## callgrind instructions per input byte (small corpus, full decode)"
    bytes=$(stat -c %s "$work/small.corpus")
    for e in memchr mailwire gmime etpan; do
        for m in full struct; do
            [ "$e" = memchr ] && [ "$m" = struct ] && continue
            valgrind --tool=callgrind --toggle-collect=bench_run \
                --callgrind-out-file="$work/cg.$e.$m" \
                "$work/bench" "$e" "$m" "$work/small.corpus" 1 >/dev/null 2>&1
            ir=$(awk '/^summary:/ {print $2}' "$work/cg.$e.$m")
            awk -v e="$e" -v m="$m" -v ir="$ir" -v b="$bytes" \
                'BEGIN { printf "%-9s %-6s %8.1f Ir/byte\n", e, m, ir / b }'
        done
    done
    # The attachment-free corpus is where the cost per header field, not
    # per byte, decides (README: "structure-only"); the peers take minutes.
    echo "## callgrind instructions per input byte (noatt corpus)"
    bytes=$(stat -L -c %s "$work/noatt.corpus")
    for run in "memchr full" "mailwire full" "mailwire struct"; do
        # shellcheck disable=SC2086 # "engine mode", split on purpose
        set -- $run
        valgrind --tool=callgrind --toggle-collect=bench_run \
            --callgrind-out-file="$work/cg.noatt.$1.$2" \
            "$work/bench" "$1" "$2" "$work/noatt.corpus" 1 >/dev/null 2>&1
        ir=$(awk '/^summary:/ {print $2}' "$work/cg.noatt.$1.$2")
        awk -v e="$1" -v m="$2" -v ir="$ir" -v b="$bytes" \
            'BEGIN { printf "%-9s %-6s %8.2f Ir/byte\n", e, m, ir / b }'
    done
fi

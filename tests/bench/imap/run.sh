#!/usr/bin/env bash
# IMAP response parser benchmark (not a test; see README.md for results).
#   tests/bench/imap/run.sh [COUNT]     (default 100000 FETCH responses)
# Builds a Release libmailwire in build-imapbench, bench_imap.c against it
# and libetpan, generates the streams in $MW_BENCH_DIR (default
# /tmp/mw-imapbench), then prints MB/s of mailwire and libetpan and their
# ratio, mailwire's peak RSS over the stream and over one ten times
# smaller, and callgrind instructions per input byte.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
count=${1:-100000}
work=${MW_BENCH_DIR:-/tmp/mw-imapbench}
build=${MW_BENCH_BUILD:-$root/build-imapbench}
mkdir -p "$work"

pkg-config --exists libetpan || { echo "need libetpan-dev" >&2; exit 69; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMW_BUILD_TESTS=OFF \
    -DMW_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j2 --target mailwire_static >/dev/null
# shellcheck disable=SC2046
cc -O2 -g -std=gnu11 -o "$work/bench_imap" "$here/bench_imap.c" \
    -I"$root/include" -I"$build/include" "$build/libmailwire.a" \
    $(pkg-config --cflags --libs libetpan)

big=$work/fetch-$count.imap
small=$work/fetch-$((count / 10)).imap
tiny=$work/fetch-1000.imap
[ -f "$big" ] || python3 "$here/gen_imap_stream.py" "$big" "$count"
[ -f "$small" ] || python3 "$here/gen_imap_stream.py" "$small" $((count / 10))
[ -f "$tiny" ] || python3 "$here/gen_imap_stream.py" "$tiny" 1000

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "# cc: $(cc --version | head -1); libetpan $(pkg-config --modversion libetpan)"
echo "## stream: $count FETCH responses, $(stat -c %s "$big") bytes"
printf '%-14s %8s %9s %22s\n' engine MB/s responses keys
declare -A speed=()
for e in mailwire mailwire-deep etpan; do
    read -r _ s n k _ < <("$work/bench_imap" "$e" "$big" 3)
    speed[$e]=$s
    printf '%-14s %8s %9s %22s\n' "$e" "$s" "$n" "$k"
done
awk -v a="${speed[mailwire]}" -v d="${speed[mailwire-deep]}" \
    -v b="${speed[etpan]}" 'BEGIN {
    printf "ratio mailwire/libetpan %.1fx (deep walk %.1fx)\n", a / b, d / b }'

echo "## mailwire peak RSS, streaming the file through one 64 KiB buffer"
for f in "$small" "$big"; do
    read -r _ rss0 rss n _ bytes < <("$work/bench_imap" stream "$f")
    printf '%10s bytes, %7s responses: VmHWM %s KB (%s KB before parsing)\n' \
        "$bytes" "$n" "$rss" "$rss0"
done

if command -v valgrind >/dev/null; then
    echo "## callgrind instructions per input byte (1000 responses)"
    bytes=$(stat -c %s "$tiny")
    declare -A irs=()
    for e in mailwire mailwire-deep etpan; do
        valgrind --tool=callgrind --toggle-collect=bench_run \
            --callgrind-out-file="$work/cg.$e" \
            "$work/bench_imap" "$e" "$tiny" 1 >/dev/null 2>&1
        ir=$(awk '/^summary:/ {print $2}' "$work/cg.$e")
        irs[$e]=$ir
        awk -v e="$e" -v ir="$ir" -v b="$bytes" \
            'BEGIN { printf "%-14s %6.1f Ir/byte\n", e, ir / b }'
    done
    awk -v a="${irs[mailwire]}" -v d="${irs[mailwire-deep]}" \
        -v b="${irs[etpan]}" 'BEGIN {
        printf "instructions libetpan/mailwire %.1fx (deep walk %.1fx)\n",
            b / a, b / d }'
fi

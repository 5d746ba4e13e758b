#!/usr/bin/env bash
# mw-smtpd against Postfix's smtp-sink, both driven by Postfix's smtp-source
# with the same settings on loopback, in one run. Not a test: prints
# messages per second for each server and the ratio.
#   tests/bench/smtpd/run.sh [SESSIONS] [MESSAGES] [SIZE]
# Needs postfix (smtp-source, smtp-sink), a Release build is made in
# build-bench-smtpd/.
set -euo pipefail
cd "$(dirname "$0")/../../.."
sessions=${1:-20}
messages=${2:-20000}
size=${3:-4096}
src=/usr/sbin/smtp-source
sink=/usr/sbin/smtp-sink
for tool in $src $sink; do
    [ -x $tool ] || { echo "needs $tool (apt-get install postfix)" >&2; exit 1; }
done
build=build-bench-smtpd
cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release -DMW_BUILD_TESTS=OFF >/dev/null
cmake --build $build -j2 --target mw-smtpd >/dev/null
smtpd=$(find $build -name mw-smtpd -type f -perm -u+x | head -1)
# The Maildir goes to tmpfs when there is one.
tmp=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # wait_port PORT: bounded wait until it accepts
    for _ in $(seq 100); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "port $1 never opened" >&2
    return 1
}

# seconds for smtp-source to push all messages to 127.0.0.1:PORT
drive() {
    local t0 t1
    t0=$(date +%s.%N)
    $src -s "$sessions" -m "$messages" -l "$size" -f bench@example.com \
        -t sink@example.com "127.0.0.1:$1" >/dev/null
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}

sink_port=$(free_port)
# smtp-sink refuses to run as root without dropping privileges.
sink_user=(); [ "$(id -u)" = 0 ] && sink_user=(-u nobody)
$sink "${sink_user[@]}" "127.0.0.1:$sink_port" 1024 >/dev/null 2>&1 &
pids+=($!)
wait_port "$sink_port"

"$smtpd" --listen 127.0.0.1:0 --maildir "$tmp/discard" --discard >"$tmp/disc.port" 2>"$tmp/discard.log" &
pids+=($!)
"$smtpd" --listen 127.0.0.1:0 --maildir "$tmp/maildir" >"$tmp/md.port" 2>"$tmp/maildir.log" &
pids+=($!)
for f in disc md; do
    for _ in $(seq 100); do [ -s "$tmp/$f.port" ] && break; sleep 0.1; done
done
disc_port=$(head -1 "$tmp/disc.port")
md_port=$(head -1 "$tmp/md.port")

echo "smtp-source -s $sessions -m $messages -l $size, loopback, $(nproc) cores"
t_sink=$(drive "$sink_port")
t_disc=$(drive "$disc_port")
t_md=$(drive "$md_port")
delivered=$(find "$tmp/maildir" -path '*/new/*' -type f | wc -l)
rate() { awk -v m="$messages" -v t="$1" 'BEGIN { printf "%.0f", m / t }'; }
printf '%-34s %8s s %8s msg/s\n' "smtp-sink (Postfix)" "$t_sink" "$(rate "$t_sink")"
printf '%-34s %8s s %8s msg/s\n' "mw-smtpd --discard" "$t_disc" "$(rate "$t_disc")"
printf '%-34s %8s s %8s msg/s  (%s files)\n' "mw-smtpd Maildir on $(df --output=fstype "$tmp" | tail -1)" "$t_md" "$(rate "$t_md")" "$delivered"
awk -v a="$t_sink" -v b="$t_disc" 'BEGIN { printf "ratio mw-smtpd --discard / smtp-sink: %.2fx (target >= 1)\n", a / b }'

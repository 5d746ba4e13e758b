#!/usr/bin/env bash
# mw-epoll-sink against Python's smtplib: several clients at once, each
# sending messages with pipelined envelopes; the counts must add up.
#   tests/cli/mw_epoll_sink.sh PATH-TO-mw-epoll-sink
set -euo pipefail
sink=$1
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$sink" --listen 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/out" ] && break; sleep 0.1; done
port=$(head -1 "$tmp/out")
[ -n "$port" ] || { echo "FAIL: no port printed"; cat "$tmp/err"; exit 1; }

python3 - "$port" <<'PY'
import smtplib, sys, threading
port = int(sys.argv[1])
errors = []
def client(n):
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            for i in range(5):
                body = "Subject: %d-%d\r\n\r\n" % (n, i) + ".leading dot\r\n" + "x" * 70000 + "\r\n"
                refused = s.sendmail("a@example.org", ["b@example.org", "c@example.org"], body)
                if refused:
                    errors.append(refused)
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
if errors:
    print("FAIL:", errors); sys.exit(1)
PY

kill -TERM "$pid"
wait "$pid"
pid=
summary=$(sed -n 2p "$tmp/out")
case "$summary" in
"connections 8 messages 40 "*) echo "ok   8 clients, 40 messages: $summary" ;;
*) echo "FAIL: $summary"; cat "$tmp/err"; exit 1 ;;
esac

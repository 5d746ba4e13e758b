#!/usr/bin/env bash
# mw-fetch run as a user would, against a small scripted POP3 server in
# Python (no CAPA, no APOP timestamp: the old RFC 1939 kind): usage errors,
# a refused connection, --list, a download into a new Maildir with LF line
# ends and dot-unstuffing, the UIDL state, and a refused login.
#   tests/cli/mw_fetch.sh PATH-TO-mw-fetch
set -euo pipefail
fetch=$1
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

expect_exit() { # CODE CMD...
    local want=$1 rc=0
    shift
    "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
    [ "$rc" = "$want" ] || { echo "FAIL: $* exited $rc, expected $want"; cat "$tmp/stderr"; exit 1; }
}
echo 'pass word' >"$tmp/pw"
expect_exit 0 "$fetch" --help
expect_exit 0 "$fetch" --version
expect_exit 64 "$fetch"
expect_exit 64 "$fetch" pop3://u@127.0.0.1 --password-file "$tmp/pw"
expect_exit 64 "$fetch" http://u@127.0.0.1 --password-file "$tmp/pw" --list
expect_exit 64 "$fetch" pop3://127.0.0.1 --password-file "$tmp/pw" --list
expect_exit 64 "$fetch" pop3://u@127.0.0.1 --password-file "$tmp/pw" --list --stls --tls
expect_exit 66 "$fetch" pop3://u@127.0.0.1 --password-file "$tmp/nope" --list
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_exit 75 "$fetch" "pop3://u@127.0.0.1:$port" --password-file "$tmp/pw" --list

cat >"$tmp/server.py" <<'PY'
import socket, sys
msgs = [b"From: A <a@example.org>\r\nSubject: first\r\n\r\n..dot\r\nline\r\n",
        b"Subject: =?UTF-8?Q?zw=C3=B6lf?=\r\n\r\nbare\rCR\r\n"]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(5)
print(srv.getsockname()[1], flush=True)
while True:
    c, _ = srv.accept(); f = c.makefile("rb")
    c.sendall(b"+OK ready\r\n"); ok = False
    for line in f:
        cmd = line.strip().split(b" ")
        v = cmd[0].upper()
        def send(b): c.sendall(b)
        if v == b"USER": send(b"+OK\r\n")
        elif v == b"PASS":
            ok = cmd[1:] == [b"pass", b"word"]
            send(b"+OK\r\n" if ok else b"-ERR [AUTH] no\r\n")
        elif not ok and v != b"QUIT": send(b"-ERR unknown\r\n")
        elif v == b"STAT": send(b"+OK 2 %d\r\n" % sum(map(len, msgs)))
        elif v == b"LIST": send(b"+OK\r\n" + b"".join(b"%d %d\r\n" % (i + 1, len(m)) for i, m in enumerate(msgs)) + b".\r\n")
        elif v == b"UIDL": send(b"+OK\r\n1 uid-one\r\n2 uid-two\r\n.\r\n")
        elif v == b"TOP": send(b"+OK\r\n" + msgs[int(cmd[1]) - 1].split(b"\r\n\r\n")[0] + b"\r\n\r\n.\r\n")
        elif v == b"RETR": send(b"+OK\r\n" + msgs[int(cmd[1]) - 1] + b".\r\n")
        elif v == b"DELE": send(b"+OK\r\n")
        elif v == b"QUIT": send(b"+OK bye\r\n"); break
        else: send(b"-ERR unknown\r\n")
    c.close()
PY
python3 "$tmp/server.py" >"$tmp/port" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
url="pop3://u%2Bx@127.0.0.1:$(head -1 "$tmp/port")"

expect_exit 0 "$fetch" "$url" --password-file "$tmp/pw" --list
printf 'number\tsize\tuid\tfrom\tsubject\n1\t56\tuid-one\tA <a@example.org>\tfirst\n2\t44\tuid-two\t\tzwölf\n' >"$tmp/want"
cmp "$tmp/stdout" "$tmp/want" || { echo "FAIL: --list output"; cat "$tmp/stdout"; exit 1; }

expect_exit 0 "$fetch" "$url" --password-file "$tmp/pw" --maildir "$tmp/md" --uidl-state "$tmp/state"
[ "$(ls "$tmp/md/new" | wc -l)" = 2 ] || { echo "FAIL: two files expected"; exit 1; }
[ -z "$(ls "$tmp/md/tmp")" ] && [ -d "$tmp/md/cur" ] || { echo "FAIL: Maildir layout"; exit 1; }
printf 'From: A <a@example.org>\nSubject: first\n\n.dot\nline\n' >"$tmp/m1"
printf 'Subject: =?UTF-8?Q?zw=C3=B6lf?=\n\nbare\rCR\n' >"$tmp/m2"
found=0
for f in "$tmp"/md/new/*; do
    cmp -s "$f" "$tmp/m1" && found=$((found + 1))
    cmp -s "$f" "$tmp/m2" && found=$((found + 10))
done
[ "$found" = 11 ] || { echo "FAIL: stored bytes (LF line ends, unstuffed)"; exit 1; }
printf 'uid-one\nuid-two\n' | cmp - "$tmp/state" || { echo "FAIL: state file"; exit 1; }

expect_exit 0 "$fetch" "$url" --password-file "$tmp/pw" --maildir "$tmp/md" --uidl-state "$tmp/state"
[ "$(ls "$tmp/md/new" | wc -l)" = 2 ] || { echo "FAIL: the second run downloaded again"; exit 1; }

echo wrong >"$tmp/bad"
expect_exit 77 "$fetch" "$url" --password-file "$tmp/bad" --list
echo "PASS"

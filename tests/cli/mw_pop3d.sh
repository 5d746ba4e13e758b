#!/usr/bin/env bash
# mw-pop3d run as a user would: usage errors, many clients at once on the
# poll loop (Python's poplib), [IN-USE] for a second login, refused path
# tricks in user names, UIDLs stable across a restart, SIGTERM.
#   tests/cli/mw_pop3d.sh PATH-TO-mw-pop3d
set -euo pipefail
pop3d=$1
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

expect_exit() { # CODE CMD...
    local want=$1 rc=0
    shift
    "$@" >/dev/null 2>&1 || rc=$?
    [ "$rc" = "$want" ] || { echo "FAIL: $* exited $rc, expected $want"; exit 1; }
}
expect_exit 0 "$pop3d" --help
expect_exit 0 "$pop3d" --version
expect_exit 64 "$pop3d"
expect_exit 64 "$pop3d" --listen 127.0.0.1:0 --maildir "$tmp"
expect_exit 64 "$pop3d" --bogus
expect_exit 64 "$pop3d" --listen 127.0.0.1:0 --maildir "$tmp" --auth-file "$tmp/a" --tls-cert x
expect_exit 66 "$pop3d" --listen 127.0.0.1:0 --maildir "$tmp" --auth-file "$tmp/missing"

# eight users, three messages each, one in cur/
for u in $(seq 8); do
    mkdir -p "$tmp/root/user$u/new" "$tmp/root/user$u/cur" "$tmp/root/user$u/tmp"
    printf 'Subject: one\n\n.dot\nbody %s\n' "$u" >"$tmp/root/user$u/new/1000.A$u.h"
    printf 'Subject: two\n\nbody\n' >"$tmp/root/user$u/cur/1001.B$u.h:2,S"
    printf 'Subject: three\n\nbody\n' >"$tmp/root/user$u/new/1002.C$u.h"
    echo "user$u:pw$u" >>"$tmp/auth"
done
echo "../root/user1:x" >>"$tmp/auth"

start() {
    "$pop3d" --listen 127.0.0.1:0 --maildir "$tmp/root" --auth-file "$tmp/auth" \
        >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    for _ in $(seq 100); do [ -s "$tmp/out" ] && break; sleep 0.1; done
    port=$(head -1 "$tmp/out")
    [ -n "$port" ] || { echo "FAIL: no port printed"; cat "$tmp/err"; exit 1; }
}
stop() {
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=
    [ "$rc" = 0 ] || { echo "FAIL: exit $rc after SIGTERM"; cat "$tmp/err"; exit 1; }
}

start
python3 - "$port" "$tmp/uidls" <<'PY'
import poplib, sys, threading
port, out = int(sys.argv[1]), sys.argv[2]
errors, uidls = [], {}
barrier = threading.Barrier(8)
def client(n):
    try:
        p = poplib.POP3("127.0.0.1", port, timeout=30)
        p.user("user%d" % n); p.pass_("pw%d" % n)
        barrier.wait()  # all eight maildrops open at once
        if p.stat()[0] != 3: errors.append("stat %d" % n)
        msg = b"\n".join(p.retr(1)[1])
        if msg != b"Subject: one\n\n.dot\nbody %d" % n: errors.append(msg)
        uidls[n] = [x.split()[1].decode() for x in p.uidl()[1]]
        if n == 1:
            q = poplib.POP3("127.0.0.1", port, timeout=30)
            try:
                q.user("user1"); q.pass_("pw1"); errors.append("no IN-USE")
            except poplib.error_proto as e:
                if not str(e).startswith("b'-ERR [IN-USE]"): errors.append(str(e))
            q.quit()
        p.quit()
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=client, args=(n,)) for n in range(1, 9)]
for t in threads: t.start()
for t in threads: t.join()
try:
    p = poplib.POP3("127.0.0.1", port, timeout=30)
    p.user("../root/user1"); p.pass_("x"); errors.append("path trick accepted")
except poplib.error_proto:
    pass
if uidls.get(3) != ["1000.A3.h", "1001.B3.h", "1002.C3.h"]:
    errors.append("uidl %r" % uidls.get(3))
open(out, "w").write(repr(uidls))
if errors:
    print("FAIL:", errors); sys.exit(1)
PY
stop
start
python3 - "$port" "$tmp/uidls" <<'PY'
import poplib, sys
port, before = int(sys.argv[1]), eval(open(sys.argv[2]).read())
p = poplib.POP3("127.0.0.1", port, timeout=30)
p.user("user5"); p.pass_("pw5")
now = [x.split()[1].decode() for x in p.uidl()[1]]
p.quit()
if now != before[5]:
    print("FAIL: UIDLs changed across a restart", now, before[5]); sys.exit(1)
PY
stop
echo "PASS"

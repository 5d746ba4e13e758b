#!/usr/bin/env bash
# mw-smtpd as a user runs it: usage and exit codes (sysexits), a delivery
# from Python's smtplib into the Maildir layout of DESIGN.md, mailbox name
# rules, --domain, --submission, AUTH SCRAM-SHA-256 (a small RFC 5802
# client in Python), --discard and a clean exit on SIGTERM.
#   tests/cli/mw_smtpd.sh PATH-TO-mw-smtpd
set -euo pipefail
smtpd=$1
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/err" ] && cat "$tmp/err"; exit 1; }

expect_rc() { # expected-rc description args...
    local want=$1 what=$2 rc=0
    shift 2
    "$smtpd" "$@" >/dev/null 2>&1 </dev/null || rc=$?
    [ "$rc" -eq "$want" ] || fail "$what: exit $rc, expected $want"
    echo "ok   $what (exit $rc)"
}
expect_rc 0 "--help" --help
expect_rc 0 "--version" --version
expect_rc 64 "no arguments"
expect_rc 64 "unknown option" --listen 127.0.0.1:0 --maildir "$tmp/m" --bogus
expect_rc 64 "--maildir missing" --listen 127.0.0.1:0
expect_rc 64 "--tls-cert without --tls-key" --listen 127.0.0.1:0 --maildir "$tmp/m" --tls-cert x
expect_rc 64 "--submission without --auth-file" --listen 127.0.0.1:0 --maildir "$tmp/m" --submission
expect_rc 64 "bad --max-size" --listen 127.0.0.1:0 --maildir "$tmp/m" --max-size 12k
expect_rc 64 "bad --listen" --listen nowhere --maildir "$tmp/m"
expect_rc 66 "missing --auth-file" --listen 127.0.0.1:0 --maildir "$tmp/m" --auth-file "$tmp/none"
"$smtpd" --help | grep -q -- '--submission' || fail "--help does not show the usage"

command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }

start() { # args...
    "$smtpd" --listen 127.0.0.1:0 "$@" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    for _ in $(seq 100); do [ -s "$tmp/out" ] && break; sleep 0.05; done
    port=$(head -1 "$tmp/out")
    [ -n "$port" ] || fail "no port printed"
}
stop() {
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=
    [ "$rc" -eq 0 ] || fail "exit $rc after SIGTERM"
    echo "ok   clean exit on SIGTERM"
}

printf 'alice:s3cret\n# comment\n\nbob:pencil\n' >"$tmp/users"
start --maildir "$tmp/md" --domain example.org --domain Example.NET --auth-file "$tmp/users"
python3 - "$port" "$tmp/md" <<'PY'
import base64, hashlib, hmac, os, smtplib, sys
port, root = int(sys.argv[1]), sys.argv[2]
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        sys.exit(1)
msg = b"From: a@example.org\r\nSubject: cli\r\n\r\nline one\r\n.leading dot\r\n"
with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
    s.ehlo("client.example")
    check(s.esmtp_features.get("size") == "52428800", "SIZE announces the 50 MB default")
    check("SCRAM-SHA-256" in s.esmtp_features.get("auth", ""), "AUTH SCRAM-SHA-256 offered")
    refused = s.sendmail("a@example.org", ["Alice+news@EXAMPLE.org", "bob@example.net",
                                          "Postmaster"], msg)
    check(refused == {}, "three recipients accepted")
    # 550 from mw-smtpd's own rules; 501 where the path is not even valid
    # RFC 5321 syntax (a leading or double dot in a dot-atom).
    for rcpt, codes in (("x@other.org", (550,)), ('"../etc"@example.org', (550,)),
                        ("a/b@example.org", (550,)), ("..@example.org", (501, 550)),
                        (".hidden@example.org", (501, 550)), ("a..b@example.org", (501, 550))):
        s.mail("a@example.org")
        got = s.rcpt(rcpt)[0]
        s.rset()
        check(got in codes, "RCPT %s refused with %s (got %d)" % (rcpt, codes, got))
for user in ("alice", "bob", "postmaster"):
    for sub in ("tmp", "new", "cur"):
        check(os.path.isdir(os.path.join(root, user, sub)), "%s/%s exists" % (user, sub))
    names = os.listdir(os.path.join(root, user, "new"))
    check(len(names) == 1 and names[0].count(".") >= 2, "one message in %s/new (%s)" % (user, names))
    data = open(os.path.join(root, user, "new", names[0]), "rb").read()
    check(data.startswith(b"Received: from client.example ([127.0.0.1])\n"), "Received header first")
    check(data.endswith(b"\n\nline one\n.leading dot\n") and b"\r" not in data,
          "stored with LF line ends, dot unstuffed, otherwise unchanged")
check(sorted(os.listdir(root)) == ["alice", "bob", "postmaster"], "no other mailbox created")

# CHUNKING (RFC 3030): BDAT chunks pass through; stored with LF line ends.
import socket, time
c = socket.create_connection(("127.0.0.1", port), timeout=10)
m1, m2 = b"Subject: bdat\r\n\r\nchunk one\r\n", b"chunk two\r\n.dot\r\n"
c.sendall(b"EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<chunky@example.org>\r\n"
          b"BDAT %d\r\n%sBDAT %d LAST\r\n%sQUIT\r\n" % (len(m1), m1, len(m2), m2))
got = b""
while not got.endswith(b"\r\n") or b"\r\n221 " not in got:
    chunk = c.recv(4096)
    if not chunk:
        break
    got += chunk
c.close()
names = os.listdir(os.path.join(root, "chunky", "new"))
data = open(os.path.join(root, "chunky", "new", names[0]), "rb").read() if len(names) == 1 else b""
check(b"queued as" in got and data.endswith(b"\n\nchunk one\nchunk two\n.dot\n")
      and b"\tfor <chunky@example.org>;" in data, "BDAT message delivered")

# AUTH SCRAM-SHA-256 (RFC 5802 / RFC 7677), the client side by hand.
def scram(user, password):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.ehlo()
        cnonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = "n=%s,r=%s" % (user, cnonce)
        code, resp = s.docmd("AUTH", "SCRAM-SHA-256 " + base64.b64encode(("n,," + first_bare).encode()).decode())
        if code != 334:
            return code
        server_first = base64.b64decode(resp).decode()
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
        ckey = hmac.new(salted, b"Client Key", "sha256").digest()
        stored = hashlib.sha256(ckey).digest()
        final_wo = "c=biws,r=" + attrs["r"]
        auth_msg = ",".join((first_bare, server_first, final_wo)).encode()
        sig = hmac.new(stored, auth_msg, "sha256").digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(ckey, sig))).decode()
        code, resp = s.docmd(base64.b64encode((final_wo + ",p=" + proof).encode()).decode())
        if code == 334:
            skey = hmac.new(salted, b"Server Key", "sha256").digest()
            want = "v=" + base64.b64encode(hmac.new(skey, auth_msg, "sha256").digest()).decode()
            if base64.b64decode(resp).decode() != want:
                return -1
            code, resp = s.docmd("")
        return code
check(scram("alice", "s3cret") == 235, "AUTH SCRAM-SHA-256 with the right password: 235")
check(scram("alice", "wrong") == 535, "AUTH SCRAM-SHA-256 with a wrong password: 535")
check(scram("nobody", "x") == 535, "AUTH SCRAM-SHA-256 for an unknown user: 535")
PY
stop

start --maildir "$tmp/sub" --auth-file "$tmp/users" --submission
python3 - "$port" <<'PY'
import smtplib, sys
port = int(sys.argv[1])
with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
    s.ehlo()
    code = s.mail("a@example.org")[0]
    print(("ok   " if code == 530 else "FAIL ") + "--submission: MAIL before AUTH gets 530 (%d)" % code)
    if code != 530:
        sys.exit(1)
    s.rset()
    s.login("bob", "pencil")
    refused = s.sendmail("bob@example.org", ["anyone@anywhere.example"], b"Subject: s\r\n\r\nx\r\n")
    print("ok   --submission: MAIL after AUTH accepted")
PY
stop

start --discard
python3 - "$port" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.sendmail("a@example.org", ["b@example.org"], b"Subject: d\r\n\r\nx\r\n")
print("ok   --discard accepts")
PY
stop
[ ! -e "$tmp/md/b" ] || fail "--discard wrote a file"
echo "ok   all mw-smtpd CLI checks"

#!/usr/bin/env python3
"""Interop tests 2 and 3: Python's poplib and curl -> mw-pop3d.

Starts mw-pop3d on a free loopback port over a Maildir root filled by
this test (new/ and cur/, a 10 MB message, dot-stuffing edge cases) and
checks:
  - poplib: USER/PASS, APOP, SASL PLAIN (raw AUTH), STLS with the test
    certificate; STAT, LIST, UIDL (the unique names before ":2,"), TOP,
    RETR equal to the stored bytes (line ends aside); a second login to an
    open maildrop gets -ERR [IN-USE]; DELE + QUIT removes the file;
  - curl pop3://: LIST, RETR (plain and --ssl-reqd over STLS), DELE;
  - a connection dropped after DELE, before QUIT, deletes nothing;
  - mw-fetch logs in with SCRAM-SHA-256 (its default against mw-pop3d).

Usage: clients_to_pop3d.py MW_POP3D MW_FETCH TLS_BUILT(0|1)
Exit 0 pass, 1 fail, 77 skip (curl missing, unless CI=true).
"""
import base64
import glob
import os
import poplib
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (check, crlf_size, fail, finish, make_cert, ok,  # noqa: E402
                    skip_or_fail, test_messages)

USER, PASSWORD = "alice", "al1ce-secret"


def fill(root, messages):
    d = os.path.join(root, USER)
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(d, sub))
    names = []
    for i, (_, data) in enumerate(messages):
        uid = "17000000%02d.M%dP7.mwtest" % (i, i)
        # every other message has been seen already: cur/ with flags
        name = os.path.join("cur", uid + ":2,S") if i % 2 else \
            os.path.join("new", uid)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        names.append((uid, os.path.join(d, name)))
    return names


def lines_to_bytes(lines):
    return b"".join(l + b"\n" for l in lines)


def poplib_tests(port, cert, tls_built, messages, names):
    p = poplib.POP3("127.0.0.1", port, timeout=30)
    greeting = p.getwelcome()
    check(b"<" in greeting and b"@" in greeting,
          "the greeting carries an APOP timestamp")
    caps = p.capa()
    check("SASL" in caps and "SCRAM-SHA-256" in caps["SASL"] and
          "PLAIN" in caps["SASL"] and "UIDL" in caps and "TOP" in caps,
          "CAPA: SASL SCRAM-SHA-256 PLAIN, UIDL, TOP")
    check(("STLS" in caps) == tls_built, "CAPA: STLS when a cert is given")
    if tls_built:
        ctx = ssl.create_default_context(cafile=cert)
        p.stls(ctx)
        ok("poplib STLS verified the certificate")
    p.user(USER)
    p.pass_(PASSWORD)
    ok("poplib USER/PASS")
    count, total = p.stat()
    check(count == len(messages), "STAT count %d" % count)
    check(total == sum(crlf_size(m[1]) for m in messages),
          "STAT size counts CRLF line ends")
    sizes = [int(x.split()[1]) for x in p.list()[1]]
    check(sizes == [crlf_size(m[1]) for m in messages], "LIST sizes")
    uids = [x.split()[1].decode() for x in p.uidl()[1]]
    check(uids == [n[0] for n in names],
          "UIDL: unique names before ':2,', in delivery order")
    for i, (_, data) in enumerate(messages):
        got = lines_to_bytes(p.retr(i + 1)[1])
        check(got == data, "RETR %d equals the stored bytes (%d bytes)" %
              (i + 1, len(data)))
    head = lines_to_bytes(p.top(1, 2)[1])
    want = messages[0][1].split(b"\n\n", 1)
    check(head == want[0] + b"\n\n" + b"\n".join(want[1].split(b"\n")[:2]) +
          b"\n", "TOP 1 2: header and two body lines")

    q = poplib.POP3("127.0.0.1", port, timeout=30)
    try:
        q.user(USER)
        q.pass_(PASSWORD)
        fail("a second login to the open maildrop was accepted")
    except poplib.error_proto as e:
        check(str(e).startswith("b'-ERR [IN-USE]"),
              "a second login gets -ERR [IN-USE]")
    q.quit()

    p.dele(3)
    p.quit()
    check(not os.path.exists(names[2][1]), "DELE + QUIT removed the file")

    # APOP and SASL PLAIN
    q = poplib.POP3("127.0.0.1", port, timeout=30)
    q.apop(USER, PASSWORD)
    check(q.stat()[0] == 2, "poplib APOP login")
    q.quit()
    q = poplib.POP3("127.0.0.1", port, timeout=30)
    ir = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode())
    r = q._shortcmd("AUTH PLAIN " + ir.decode())
    check(r.startswith(b"+OK") and q.stat()[0] == 2, "AUTH PLAIN login")
    q.quit()
    q = poplib.POP3("127.0.0.1", port, timeout=30)
    try:
        q.user(USER)
        q.pass_("wrong")
        fail("a wrong password was accepted")
    except poplib.error_proto as e:
        check(str(e).startswith("b'-ERR [AUTH]"), "a wrong password: [AUTH]")
    q.quit()


def dropped_connection_test(port, names):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rb")
    f.readline()
    for cmd in (b"USER " + USER.encode(), b"PASS " + PASSWORD.encode(),
                b"DELE 1", b"DELE 2"):
        s.sendall(cmd + b"\r\n")
        line = f.readline()
        if not line.startswith(b"+OK"):
            fail("%s: %r" % (cmd.split()[0], line))
    f.close()
    s.close()  # no QUIT
    p = poplib.POP3("127.0.0.1", port, timeout=30)
    p.user(USER)
    p.pass_(PASSWORD)
    check(p.stat()[0] == 2 and os.path.exists(names[0][1]) and
          os.path.exists(names[1][1]),
          "a connection dropped after DELE, before QUIT, deletes nothing")
    p.quit()


def curl(args):
    return subprocess.run(["curl", "-sS", "--max-time", "60"] + args,
                          capture_output=True)


def curl_tests(port, cert, tls_built, messages, names):
    base = "pop3://127.0.0.1:%d/" % port
    auth = ["-u", "%s:%s" % (USER, PASSWORD)]
    r = curl(auth + [base])
    check(r.returncode == 0 and r.stdout.replace(b"\r\n", b"\n") ==
          b"1 %d\n2 %d\n" % (crlf_size(messages[0][1]),
                             crlf_size(messages[1][1])),
          "curl LIST")
    r = curl(auth + [base + "1"])
    check(r.returncode == 0 and
          r.stdout.replace(b"\r\n", b"\n") == messages[0][1],
          "curl RETR 1 equals the stored bytes (dot-stuffing)")
    if tls_built:
        r = curl(auth + ["--ssl-reqd", "--cacert", cert, base + "2"])
        check(r.returncode == 0 and
              r.stdout.replace(b"\r\n", b"\n") == messages[1][1],
              "curl RETR 2 over STLS equals the stored bytes")
    r = curl(auth + ["-X", "DELE", "-I", base + "1"])
    check(r.returncode == 0 and not os.path.exists(names[0][1]),
          "curl DELE 1 (+ QUIT) removed the file")


def fetch_scram(mw_fetch, port, tmp, messages):
    pw = os.path.join(tmp, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    md = os.path.join(tmp, "fetched")
    r = subprocess.run([mw_fetch, "pop3://%s@127.0.0.1:%d" % (USER, port),
                        "--password-file", pw, "--maildir", md],
                       capture_output=True, timeout=60)
    got = [open(p, "rb").read() for p in glob.glob(os.path.join(md, "new", "*"))]
    check(r.returncode == 0 and got == [messages[1][1]],
          "mw-fetch (SCRAM-SHA-256 by default) downloads the last message")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    pop3d, mw_fetch, tls_built = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    if not shutil.which("curl"):
        skip_or_fail("curl is not installed")
    if tls_built and not shutil.which("openssl"):
        skip_or_fail("openssl is not installed")
    tmp = tempfile.mkdtemp(prefix="mw-pop3d-interop-")
    messages = test_messages()
    root = os.path.join(tmp, "root")
    names = fill(root, messages)
    with open(os.path.join(tmp, "auth"), "w") as f:
        f.write("%s:%s\nother:x\n" % (USER, PASSWORD))
    args = [pop3d, "--listen", "127.0.0.1:0", "--maildir", root,
            "--auth-file", os.path.join(tmp, "auth")]
    cert = None
    if tls_built:
        cert, key = make_cert(tmp)
        args += ["--tls-cert", cert, "--tls-key", key]
    log = open(os.path.join(tmp, "pop3d.log"), "wb")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log)
    try:
        port = int(proc.stdout.readline())
        ok("mw-pop3d listens on port %d" % port)
        poplib_tests(port, cert, tls_built, messages, names)
        dropped_connection_test(port, names)
        curl_tests(port, cert, tls_built, messages, names)
        fetch_scram(mw_fetch, port, tmp, messages)
    except Exception as e:  # a crash of the server shows up here
        fail("exception: %r" % (e,))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
            check(rc == 0, "mw-pop3d exits 0 on SIGTERM")
        except subprocess.TimeoutExpired:
            proc.kill()
            fail("mw-pop3d ignored SIGTERM")
        log.close()
        from common import failures
        if failures:
            print("--- mw-pop3d log ---\n" +
                  open(os.path.join(tmp, "pop3d.log"), errors="replace").read())
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    sys.exit(main())

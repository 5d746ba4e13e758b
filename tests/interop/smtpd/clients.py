#!/usr/bin/env python3
"""Interop test 2: real SMTP clients -> mw-smtpd; every message must land
intact in the Maildir (bytes compared, line ends aside).

  Python smtplib: plain, STARTTLS (ssl module, verifying the self-signed
                  test certificate), AUTH PLAIN and AUTH LOGIN
  swaks:          --pipeline, --body with a 10 MB file, STARTTLS + AUTH
  curl smtp://:   plain, and STARTTLS (--ssl-reqd --cacert) with -u

usage: clients.py PATH-TO-mw-smtpd [HAVE_TLS (1|0)]
"""
import os
import random
import shutil
import smtplib
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtpd_common import Failures, Smtpd, need_tls, lf, make_cert, need, strip_received, temp_dir  # noqa: E402

USERS = b"alice:secret1\nbob:hunter2\n"


def message(subject, lines=40, seed=1):
    rnd = random.Random(seed)
    body = []
    for i in range(lines):
        text = "".join(rnd.choice("abcdefghij KLMNOP.-") for _ in range(rnd.randint(0, 90)))
        if i % 7 == 3:
            text = "." + text  # dot-stuffing on the wire
        body.append(text)
    msg = ("From: a@example.org\r\nTo: b@example.org\r\nSubject: %s\r\n"
           "Message-ID: <%s@example.org>\r\n\r\n" % (subject, subject.replace(" ", "-")))
    return (msg + "\r\n".join(body) + "\r\n").encode()


def stored_below_received(path):
    with open(path, "rb") as f:
        return strip_received(f.read())


def newest(srv, user, before):
    files = [p for p in srv.files(user) if p not in before]
    return files


def expect_delivery(t, srv, users, sent, what, before):
    for user in users:
        got = newest(srv, user, before.get(user, []))
        ok = len(got) == 1 and stored_below_received(got[0]) == lf(sent)
        t.check(ok, "%s: lands intact in %s/new" % (what, user),
                "(files %d)" % len(got))


def snapshot(srv, users):
    return {u: srv.files(u) for u in users}


def smtplib_cases(t, exe, tmp, cert, key):
    users_file = os.path.join(tmp, "users")
    with open(users_file, "wb") as f:
        f.write(USERS)
    ctx = ssl.create_default_context(cafile=cert)

    # Plain server (no TLS configured): PLAIN and LOGIN allowed in the clear.
    plain = Smtpd(exe, tmp, ["--auth-file", users_file], "plain")
    try:
        before = snapshot(plain, ["alice", "bob"])
        msg = message("smtplib plain", 60, 2)
        with smtplib.SMTP("127.0.0.1", plain.port, timeout=20) as s:
            refused = s.sendmail("a@example.org", ["Alice+list@example.org", "BOB@example.org"], msg)
        t.check(refused == {}, "smtplib plain: both recipients accepted")
        expect_delivery(t, plain, ["alice", "bob"], msg, "smtplib plain", before)

        for mech, fn in (("PLAIN", "auth_plain"), ("LOGIN", "auth_login")):
            before = snapshot(plain, ["bob"])
            msg = message("smtplib auth " + mech, 30, 3)
            with smtplib.SMTP("127.0.0.1", plain.port, timeout=20) as s:
                s.ehlo()
                s.user, s.password = "alice", "secret1"
                code, _ = s.auth(mech, getattr(s, fn), initial_response_ok=(mech == "PLAIN"))
                t.check(code == 235, "smtplib AUTH %s without TLS (none configured): 235" % mech)
                s.sendmail("alice@example.org", ["bob@example.org"], msg)
            expect_delivery(t, plain, ["bob"], msg, "smtplib AUTH %s" % mech, before)
        with smtplib.SMTP("127.0.0.1", plain.port, timeout=20) as s:
            s.ehlo()
            s.user, s.password = "alice", "wrong"
            try:
                s.auth("PLAIN", s.auth_plain)
                t.check(False, "smtplib AUTH PLAIN wrong password refused")
            except smtplib.SMTPAuthenticationError as e:
                t.check(e.smtp_code == 535, "smtplib AUTH PLAIN wrong password: 535")
    finally:
        t.check(plain.stop() == 0, "plain server exits 0 on SIGTERM")

    tls = Smtpd(exe, tmp, ["--auth-file", users_file, "--tls-cert", cert, "--tls-key", key], "tls")
    try:
        with smtplib.SMTP("127.0.0.1", tls.port, timeout=20) as s:
            s.ehlo()
            auth = s.esmtp_features.get("auth", "").split()
            t.check("starttls" in s.esmtp_features, "STARTTLS offered with --tls-cert/--tls-key")
            t.check("PLAIN" not in auth and "LOGIN" not in auth and "SCRAM-SHA-256" in auth,
                    "before TLS only SCRAM-SHA-256 is offered", repr(auth))
            s.user, s.password = "alice", "secret1"
            try:
                s.auth("PLAIN", s.auth_plain)
                t.check(False, "AUTH PLAIN before STARTTLS refused")
            except smtplib.SMTPAuthenticationError as e:
                t.check(e.smtp_code == 538, "AUTH PLAIN before STARTTLS: 538", str(e))
        for mech, fn in (("PLAIN", "auth_plain"), ("LOGIN", "auth_login")):
            before = snapshot(tls, ["carol"])
            msg = message("smtplib starttls " + mech, 200, 4)
            with smtplib.SMTP("127.0.0.1", tls.port, timeout=20) as s:
                s.starttls(context=ctx)  # verifies the certificate and host
                s.ehlo()
                auth = s.esmtp_features.get("auth", "").split()
                t.check("PLAIN" in auth and "LOGIN" in auth,
                        "after STARTTLS PLAIN and LOGIN are offered", repr(auth))
                s.user, s.password = "bob", "hunter2"
                code, _ = s.auth(mech, getattr(s, fn), initial_response_ok=(mech == "PLAIN"))
                t.check(code == 235, "smtplib STARTTLS + AUTH %s: 235" % mech)
                s.sendmail("bob@example.org", ["carol@example.org"], msg)
            expect_delivery(t, tls, ["carol"], msg, "smtplib STARTTLS + AUTH %s" % mech, before)
            with open(tls.files("carol")[-1], "rb") as f:
                t.check(b"with ESMTPSA" in f.read(300), "Received header says ESMTPSA")
        return tls, users_file
    except Exception:
        tls.stop()
        raise


def swaks_cases(t, exe, tmp, tls, cert):
    need("swaks")
    body_path = os.path.join(tmp, "body10m.txt")
    rnd = random.Random(10)
    pool = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(68))
            for _ in range(997)]
    chunk = []
    size = 0
    i = 0
    while size < 10 * 1024 * 1024:
        line = ("." if i % 11 == 0 else "") + "%08d " % i + pool[(i * 31) % len(pool)]
        chunk.append(line)
        size += len(line) + 1
        i += 1
    body = ("\n".join(chunk) + "\n").encode()
    with open(body_path, "wb") as f:
        f.write(body)
    before = snapshot(tls, ["dave", "erin"])
    started = time.time()
    r = subprocess.run(
        ["swaks", "--server", "127.0.0.1:%d" % tls.port, "--pipeline",
         "--from", "sender@example.org", "--to", "dave@example.org,erin+x@example.org",
         "--body", "@" + body_path, "--suppress-data"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = r.stdout.decode("utf-8", "replace")
    print("     swaks 10 MB: %.1f s" % (time.time() - started))
    t.check(r.returncode == 0, "swaks --pipeline --body @10MB: exit 0", out[-2000:])
    t.check("PIPELINING" in out, "swaks saw PIPELINING")
    for user in ("dave", "erin"):
        got = newest(tls, user, before[user])
        stored = (stored_below_received(got[0]) or b"") if len(got) == 1 else b""
        head, _, got_body = stored.partition(b"\n\n")
        # swaks puts its own header fields first; the body must be the file.
        t.check(len(got) == 1 and lf(got_body).rstrip(b"\n") == body.rstrip(b"\n"),
                "swaks 10 MB body lands intact in %s/new" % user,
                "(stored %d bytes, sent %d)" % (len(got_body), len(body)))
        t.check(b"X-Mailer: swaks" in head or b"Subject: test" in head,
                "swaks header fields kept in %s" % user)

    before = snapshot(tls, ["frank"])
    r = subprocess.run(
        ["swaks", "--server", "127.0.0.1:%d" % tls.port, "--tls", "--tls-verify",
         "--tls-ca-path", cert, "--auth", "LOGIN", "--auth-user", "alice",
         "--auth-password", "secret1", "--from", "alice@example.org",
         "--to", "frank@example.org", "--body", "swaks over STARTTLS\n.\n..two dots\n"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    out = r.stdout.decode("utf-8", "replace")
    t.check(r.returncode == 0, "swaks STARTTLS (verified) + AUTH LOGIN: exit 0", out[-2000:])
    got = newest(tls, "frank", before["frank"])
    stored = open(got[0], "rb").read() if len(got) == 1 else b""
    # swaks ends the body with an empty line of its own.
    t.check(stored.rstrip(b"\n").endswith(b"\n\nswaks over STARTTLS\n.\n..two dots"),
            "swaks STARTTLS message lands intact (dots unstuffed)", repr(stored[-80:]))


def curl_cases(t, exe, tmp, tls, cert):
    need("curl")
    msg = message("curl upload", 80, 5)
    path = os.path.join(tmp, "curl.eml")
    with open(path, "wb") as f:
        f.write(msg)
    before = snapshot(tls, ["gina"])
    r = subprocess.run(
        ["curl", "-sS", "--max-time", "30", "smtp://127.0.0.1:%d" % tls.port,
         "--mail-from", "a@example.org", "--mail-rcpt", "gina@example.org",
         "--upload-file", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    t.check(r.returncode == 0, "curl smtp:// plain: exit 0", r.stdout.decode()[-500:])
    expect_delivery(t, tls, ["gina"], msg, "curl smtp:// plain", before)

    before = snapshot(tls, ["gina"])
    msg = message("curl starttls", 50, 6)
    with open(path, "wb") as f:
        f.write(msg)
    r = subprocess.run(
        ["curl", "-sS", "--max-time", "30", "smtp://localhost:%d" % tls.port,
         "--ssl-reqd", "--cacert", cert, "-u", "bob:hunter2",
         "--mail-from", "bob@example.org", "--mail-rcpt", "gina@example.org",
         "--upload-file", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    t.check(r.returncode == 0, "curl smtp:// --ssl-reqd --cacert -u: exit 0",
            r.stdout.decode()[-500:])
    expect_delivery(t, tls, ["gina"], msg, "curl STARTTLS + AUTH", before)


def main():
    exe = sys.argv[1]
    need_tls(sys.argv)
    need("openssl", "swaks", "curl")
    tmp = temp_dir()
    t = Failures()
    tls = None
    try:
        cert, key = make_cert(tmp)
        tls, _ = smtplib_cases(t, exe, tmp, cert, key)
        swaks_cases(t, exe, tmp, tls, cert)
        curl_cases(t, exe, tmp, tls, cert)
        t.check(tls.all_files("tmp") == [], "no temp files left in any tmp/")
    finally:
        if tls:
            code = tls.stop()
            t.check(code == 0, "TLS server exits 0 on SIGTERM")
            if t.failed:
                print(tls.log()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()

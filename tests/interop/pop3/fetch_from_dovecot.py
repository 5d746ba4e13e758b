#!/usr/bin/env python3
"""Interop test 1: mw-fetch -> a real Dovecot POP3 server.

Starts a private Dovecot (standalone config file, short base_dir,
passwd-file users, the mail uid of a system user, Maildir filled by this
test, ssl with a self-signed certificate made by openssl) on a free
loopback port and checks that mw-fetch:
  - lists the maildrop (STAT, LIST, UIDL, TOP n 0) with USER/PASS;
  - logs in with APOP (its default here: Dovecot offers no SCRAM) and
    with SASL PLAIN over STLS, verifying the certificate with --cafile,
    and refuses the unverified certificate without it;
  - downloads every message (RETR, a 10 MB one and dot-stuffing edge
    cases) byte for byte (line ends aside), keeps a UIDL state that
    equals Dovecot's UIDLs, downloads nothing new on the second run;
  - deletes with --delete (DELE + QUIT): the server's Maildir is empty;
  - reports a wrong password with exit status 77;
  - speaks implicit TLS to pop3s://.

Usage: fetch_from_dovecot.py MW_FETCH TLS_BUILT(0|1)
Exit 0 pass, 1 fail, 77 skip (no dovecot or not root, unless CI=true).
"""
import glob
import os
import poplib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (check, children_of, crlf_size, dovecot_start,  # noqa: E402
                    fail, finish, free_port, mail_uid, master_pid,
                    kill_tree, make_cert, ok, skip_or_fail, test_messages,
                    wait_port)

USER, PASSWORD = "bob", "b0b-secret"

CONF = """\
base_dir = {base}
instance_name = mw-pop3-interop
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login apop
auth_verbose = yes
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_location = maildir:{dir}/mail/%u
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/passwd
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {sport}
    ssl = yes
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def fill_maildir(d, uid, gid, messages):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    for i, (name, data) in enumerate(messages):
        path = os.path.join(d, "new", "17000000%02d.M%dP1.mwtest" % (i, i))
        with open(path, "wb") as f:
            f.write(data)
    for root, dirs, files in os.walk(os.path.dirname(d)):
        for n in dirs + files:
            os.chown(os.path.join(root, n), uid, gid)
    os.chown(os.path.dirname(d), uid, gid)


def start_dovecot(tmp, port, sport, uid, gid):
    with open(os.path.join(tmp, "passwd"), "w") as f:
        f.write("%s:{PLAIN}%s:%d:%d::%s/home\n" % (USER, PASSWORD, uid, gid,
                                                  tmp))
    return dovecot_start(tmp, CONF, uid=uid, port=port, sport=sport)


def run_fetch(mw_fetch, args, expect=0, what=""):
    r = subprocess.run([mw_fetch] + args, capture_output=True, timeout=60)
    if r.returncode != expect:
        fail("%s: exit %d, expected %d; stderr: %s" %
             (what, r.returncode, expect, r.stderr.decode(errors="replace")))
        return None
    ok("%s (exit %d)" % (what, expect))
    return r


def dovecot_view(port):
    """What Dovecot says through Python's poplib (the reference)."""
    p = poplib.POP3("127.0.0.1", port, timeout=30)
    p.user(USER)
    p.pass_(PASSWORD)
    count, _ = p.stat()
    uids = [x.split()[1].decode() for x in p.uidl()[1]]
    sizes = [int(x.split()[1]) for x in p.list()[1]]
    p.quit()
    return count, uids, sizes


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    mw_fetch, tls_built = sys.argv[1], sys.argv[2] == "1"
    if not shutil.which("dovecot") and not os.path.exists("/usr/sbin/dovecot"):
        skip_or_fail("dovecot is not installed (apt-get install dovecot-pop3d)")
    if os.geteuid() != 0:
        skip_or_fail("Dovecot needs root to start")
    if not shutil.which("openssl"):
        skip_or_fail("openssl is not installed")
    uid, gid = mail_uid()
    tmp = tempfile.mkdtemp(prefix="mw-pop3-dovecot-")
    os.chmod(tmp, 0o755)
    port = free_port()
    messages = test_messages()
    cert, _ = make_cert(tmp)
    fill_maildir(os.path.join(tmp, "mail", USER), uid, gid, messages)
    pwfile = os.path.join(tmp, "password")
    with open(pwfile, "w") as f:
        f.write(PASSWORD + "\n")
    badpw = os.path.join(tmp, "bad-password")
    with open(badpw, "w") as f:
        f.write("wrong\n")
    sport = free_port()
    conf, base = start_dovecot(tmp, port, sport, uid, gid)
    pids = []
    try:
        if conf is None or not wait_port(port):
            fail("Dovecot did not start")
            return 1
        mp = master_pid(base)
        pids = ([mp] + children_of(mp)) if mp else []
        url = "pop3://%s@127.0.0.1:%d" % (USER, port)
        run_tests(mw_fetch, tls_built, url, port, tmp, pwfile, badpw, cert,
                  messages)
        if tls_built:
            run_fetch(mw_fetch, ["pop3s://%s@127.0.0.1:%d" % (USER, sport),
                                 "--password-file", pwfile, "--cafile", cert,
                                 "--list"],
                      what="pop3:// with implicit TLS (pop3s://)")
    finally:
        # also when the start failed half-way: whatever master.pid names
        mp = master_pid(base)
        if mp and mp not in pids:
            pids = [mp] + pids
        if pids:
            pids = pids + [p for p in children_of(pids[0]) if p not in pids]
        kill_tree(pids)
        log = os.path.join(tmp, "dovecot.log")
        if failures_present() and os.path.exists(log):
            with open(log, errors="replace") as f:
                print("--- dovecot.log (tail) ---\n" + "".join(f.readlines()[-30:]))
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)
    finish()


def failures_present():
    from common import failures
    return bool(failures)


def run_tests(mw_fetch, tls_built, url, port, tmp, pwfile, badpw, cert,
              messages):
    count, uids, sizes = dovecot_view(port)
    check(count == len(messages), "Dovecot holds the %d test messages" % count)

    # --list with USER/PASS: STAT, LIST, UIDL, TOP n 0
    r = run_fetch(mw_fetch, [url, "--password-file", pwfile, "--list",
                             "--auth", "USER"], what="--list with USER/PASS")
    if r:
        rows = r.stdout.decode().splitlines()
        check(rows[0] == "number\tsize\tuid\tfrom\tsubject",
              "--list header line")
        want = ["%d\t%d\t%s\t" % (i + 1, sizes[i], uids[i])
                for i in range(count)]
        check([row.rsplit("\t", 2)[0] + "\t" for row in rows[1:]] == want,
              "--list numbers, sizes and uids equal Dovecot's")
        check(all(sizes[i] == crlf_size(messages[i][1]) for i in range(count)),
              "Dovecot's sizes count CRLF line ends")
        check(rows[1].endswith("\tAlice <alice@example.org>\tdots") and
              rows[2].endswith("\tJörg <joerg@example.org>\tGrüße") and
              rows[3].endswith("\tbig"),
              "--list from and subject (RFC 2047 decoded)")

    # APOP: the default here (timestamp in the greeting, no SCRAM offered)
    r = run_fetch(mw_fetch, [url, "--password-file", pwfile, "--list"],
                  what="--list with the default login (APOP)")
    log = open(os.path.join(tmp, "dovecot.log"), errors="replace").read()
    check("method=APOP" in log, "Dovecot logged an APOP login")
    run_fetch(mw_fetch, [url, "--password-file", pwfile, "--list",
                         "--auth", "APOP"], what="--auth APOP")
    run_fetch(mw_fetch, [url, "--password-file", badpw, "--list",
                         "--auth", "USER"], expect=77,
              what="wrong password refused")

    maildir = os.path.join(tmp, "fetched")
    state = os.path.join(tmp, "uidl-state")
    tls = ["--stls", "--cafile", cert] if tls_built else []
    auth = ["--auth", "PLAIN"]
    if tls_built:
        run_fetch(mw_fetch, [url, "--password-file", pwfile, "--list",
                             "--stls"], expect=75,
                  what="STLS refuses the self-signed certificate without "
                       "--cafile")
    r = run_fetch(mw_fetch, [url, "--password-file", pwfile, "--maildir",
                             maildir, "--uidl-state", state] + tls + auth,
                  what="download with SASL PLAIN%s" %
                       (" over STLS" if tls_built else ""))
    if tls_built:
        log = open(os.path.join(tmp, "dovecot.log"), errors="replace").read()
        check("method=PLAIN" in log and "TLS" in log,
              "Dovecot logged a PLAIN login over TLS")
    got = sorted(open(p, "rb").read()
                 for p in glob.glob(os.path.join(maildir, "new", "*")))
    want = sorted(m[1] for m in messages)
    check(len(got) == len(want), "%d files in new/" % len(got))
    check(got == want, "downloaded bytes equal the stored ones "
          "(10 MB and dot-stuffing included)")
    check(not os.listdir(os.path.join(maildir, "tmp")), "tmp/ is empty")
    st = open(state).read().split() if os.path.exists(state) else []
    check(st == uids, "the UIDL state lists Dovecot's uids")

    run_fetch(mw_fetch, [url, "--password-file", pwfile, "--maildir",
                         maildir, "--uidl-state", state] + auth,
              what="second run")
    check(len(os.listdir(os.path.join(maildir, "new"))) == len(messages),
          "the second run downloads nothing new")

    run_fetch(mw_fetch, [url, "--password-file", pwfile, "--maildir",
                         maildir, "--uidl-state", state, "--delete"] + tls,
              what="--delete (DELE + QUIT)")
    count, _, _ = dovecot_view(port)
    check(count == 0, "Dovecot's maildrop is empty after --delete")
    check(len(os.listdir(os.path.join(maildir, "new"))) == len(messages),
          "--delete downloaded nothing twice")
    st = open(state).read().split() if os.path.exists(state) else None
    check(st == [], "the state forgets the deleted uids")


if __name__ == "__main__":
    sys.exit(main())

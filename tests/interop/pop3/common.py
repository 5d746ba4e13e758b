"""Shared helpers of the POP3 interop tests (tests/interop/pop3/)."""
import os
import pwd
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
failures = []


def fail(msg):
    print("FAIL: " + msg, flush=True)
    failures.append(msg)


def ok(msg):
    print("ok: " + msg, flush=True)


def check(cond, msg):
    if cond:
        ok(msg)
    else:
        fail(msg)
    return cond


def skip_or_fail(why):
    """A missing peer is a visible SKIP, and a failure under CI=true."""
    if os.environ.get("CI", "").lower() == "true":
        print("FAIL (CI=true): " + why, flush=True)
        sys.exit(1)
    print("SKIP: " + why, flush=True)
    sys.exit(SKIP)


def finish():
    if failures:
        print("%d failure(s)" % len(failures), flush=True)
        sys.exit(1)
    print("all passed", flush=True)
    sys.exit(0)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def make_cert(directory):
    """A self-signed certificate for localhost / 127.0.0.1."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return cert, key


def test_messages():
    """Messages with LF line ends, as a Maildir stores them: dot-stuffing
    edge cases and a 10 MB one."""
    dots = (b"From: Alice <alice@example.org>\n"
            b"To: bob@example.org\n"
            b"Subject: dots\n"
            b"Message-ID: <dots@example.org>\n"
            b"\n"
            b".starts with a dot\n"
            b"..two dots\n"
            b".\n"
            b"..\n"
            b". space\n"
            b"middle . dot\n"
            b"...\n"
            b"last line\n")
    plain = (b"From: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.org>\n"
             b"To: bob@example.org\n"
             b"Subject: =?UTF-8?B?R3LDvMOfZQ==?=\n"
             b"\n"
             b"Hello Bob.\n")
    line = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/AB\n"
    body = bytearray()
    i = 0
    while len(body) < 10 * 1024 * 1024:
        body += (b"." if i % 97 == 0 else b"") + line
        i += 1
    big = (b"From: Alice <alice@example.org>\n"
           b"To: bob@example.org\n"
           b"Subject: big\n"
           b"Content-Type: application/octet-stream\n"
           b"Content-Transfer-Encoding: base64\n"
           b"\n") + bytes(body)
    return [("dots", dots), ("plain", plain), ("big", big)]


def crlf_size(data):
    return len(data) + data.count(b"\n")


def kill_tree(pids):
    import signal
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.05)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def children_of(pid):
    """Every descendant of pid, from /proc."""
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for k in kids.get(p, []):
            out.append(k)
            todo.append(k)
    return out


# --- a private Dovecot (POP3 and IMAP interop tests) ---

MAIL_USER = "mwmail"


def mail_uid():
    """uid and gid of the system user the private Dovecot stores mail as
    (created on first use)."""
    try:
        pw = pwd.getpwnam(MAIL_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", MAIL_USER], check=True)
        pw = pwd.getpwnam(MAIL_USER)
    return pw.pw_uid, pw.pw_gid


def dovecot_start(tmp, template, **fields):
    """Write tmp/dovecot.conf from template (formatted with base, dir and
    fields) and start Dovecot on it; returns (conf path or None, base_dir).
    base_dir is short, under /tmp, because it holds Unix sockets."""
    base = tempfile.mkdtemp(prefix="mwd", dir="/tmp")
    os.makedirs(os.path.join(tmp, "state"), exist_ok=True)
    conf = os.path.join(tmp, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(template.format(base=base, dir=tmp, **fields))
    # no pipes: the daemon's children would hold them open forever
    with open(os.path.join(tmp, "start.log"), "w") as out:
        r = subprocess.run(["dovecot", "-c", conf], stdout=out, stderr=out,
                           stdin=subprocess.DEVNULL, timeout=30)
    if r.returncode != 0:
        print(open(os.path.join(tmp, "start.log")).read())
        return None, base
    return conf, base


def master_pid(base):
    try:
        with open(os.path.join(base, "master.pid")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None

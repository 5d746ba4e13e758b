"""Shared helpers of the mw-smtpd interop tests (tests/interop/smtpd/).

Each test starts mw-smtpd itself in a temporary directory on a free
loopback port (--listen 127.0.0.1:0, the port is the first stdout line),
and stops it by pid. A missing peer (swaks, curl, openssl) is a visible
SKIP (exit 77) on a developer machine and a failure when CI=true.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def need_tls(argv):
    """argv[2] is 1 when mw-smtpd was built with libmailwire-tls."""
    if len(argv) > 2 and argv[2] == "0":
        if os.environ.get("CI") == "true":
            print("FAIL: CI=true but mw-smtpd was built without TLS (libssl-dev missing?)")
            sys.exit(1)
        print("SKIP: mw-smtpd built without TLS (install libssl-dev)")
        sys.exit(SKIP)


def need(*tools):
    """Exit 77 (or 1 under CI) when a peer program is not installed."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    if os.environ.get("CI") == "true":
        print("FAIL: CI=true but not installed: %s" % " ".join(missing))
        sys.exit(1)
    print("SKIP: not installed: %s (apt-get install %s)" % (" ".join(missing), " ".join(missing)))
    sys.exit(SKIP)


class Failures:
    """Collects check results; prints ok/FAIL lines as they come."""

    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("ok   %s" % what)
        else:
            self.failed += 1
            print("FAIL %s %s" % (what, detail))
        sys.stdout.flush()
        return cond

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def make_cert(tmp):
    """A self-signed certificate for localhost and 127.0.0.1."""
    need("openssl")
    cert = os.path.join(tmp, "cert.pem")
    key = os.path.join(tmp, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class Smtpd:
    """One mw-smtpd process, started with extra arguments."""

    def __init__(self, exe, tmp, args, name="smtpd"):
        self.maildir = os.path.join(tmp, name + "-maildir")
        self.errpath = os.path.join(tmp, name + ".err")
        self.err = open(self.errpath, "wb")
        self.proc = subprocess.Popen(
            [exe, "--listen", "127.0.0.1:0", "--maildir", self.maildir] + list(args),
            stdout=subprocess.PIPE, stderr=self.err)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError("mw-smtpd printed no port: %r\n%s" % (line, self.log()))
        self.port = int(line)
        self._wait_accepting()

    def _wait_accepting(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mw-smtpd does not accept connections")

    def log(self):
        if not self.err.closed:
            self.err.flush()
        with open(self.errpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        """SIGTERM by pid; returns the exit status (0 expected)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        return self.proc.returncode

    def files(self, user, sub="new"):
        d = os.path.join(self.maildir, user, sub)
        if not os.path.isdir(d):
            return []
        return sorted(os.path.join(d, n) for n in os.listdir(d))

    def all_files(self, sub):
        out = []
        if not os.path.isdir(self.maildir):
            return out
        for user in sorted(os.listdir(self.maildir)):
            out += self.files(user, sub)
        return out


def strip_received(stored):
    """The stored bytes below mw-smtpd's Received header (first field)."""
    if not stored.startswith(b"Received: "):
        return None
    pos = 0
    while True:
        nl = stored.index(b"\n", pos)
        pos = nl + 1
        if stored[pos:pos + 1] not in (b" ", b"\t"):
            return stored[pos:]


def lf(data):
    """Line ends aside: CRLF becomes LF."""
    return data.replace(b"\r\n", b"\n")


def temp_dir():
    return tempfile.mkdtemp(prefix="mw-smtpd-interop-")

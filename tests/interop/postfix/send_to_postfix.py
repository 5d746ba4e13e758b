#!/usr/bin/env python3
"""Interop test 1: mw-send -> a real Postfix.

Starts a private Postfix instance (own config, queue and data directories
in a temporary directory, smtpd on free loopback ports, virtual mailboxes
delivered to Maildirs in the temporary directory) and checks that mw-send:
  - sends a plain message that arrives byte for byte (below the headers
    Postfix prepends, line ends aside);
  - upgrades with STARTTLS and verifies a self-signed certificate given
    with --cafile, and refuses the server without it (exit 75);
  - speaks implicit TLS (--tls) to an smtpd in wrapper mode;
  - sends a 10 MB attachment (composed by mw-send and by mw-compose);
  - sends one message to 50 recipients (Postfix offers PIPELINING);
  - reports a rejected recipient (exit 0, the others get the message)
    and fails with 69 when every recipient is rejected;
  - takes the recipients from the header with -t and removes Bcc.

Usage: send_to_postfix.py MW_SEND MW_COMPOSE TLS_BUILT(0|1)
Exit 0 pass, 1 fail, 77 skip (no postfix or not root, unless CI=true).
"""
import email
import email.policy
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
DOMAIN = "example.org"
HOST = "mw-interop.example.org"
# MW_POSTFIX names another postfix binary (a path that does not exist
# exercises the skip path).
POSTFIX = os.environ.get("MW_POSTFIX") or shutil.which("postfix") or (
    "/usr/sbin/postfix" if os.path.exists("/usr/sbin/postfix") else None)
if POSTFIX and not os.access(POSTFIX, os.X_OK):
    POSTFIX = None

failures = []


def fail(msg):
    print("FAIL: " + msg, flush=True)
    failures.append(msg)


def ok(msg):
    print("ok: " + msg, flush=True)


def skip_or_fail(why):
    if os.environ.get("CI", "").lower() == "true":
        print("FAIL (CI=true): " + why, flush=True)
        sys.exit(1)
    print("SKIP: " + why, flush=True)
    sys.exit(SKIP)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline):
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


MASTER_CF = """\
{smtp_port} inet n - n - - smtpd
{smtps_port} inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {t}/queue
data_directory = {t}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = {host}
mydomain = example.net
myorigin = $myhostname
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
alias_maps =
alias_database =
local_header_rewrite_clients =
virtual_mailbox_domains = {domain}
virtual_mailbox_maps = texthash:{t}/vmailbox
virtual_mailbox_base = {t}/mail
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_mailbox_limit = 0
message_size_limit = 52428800
smtpd_tls_cert_file = {t}/cert.pem
smtpd_tls_key_file = {t}/key.pem
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
maillog_file = {t}/postfix.log
maillog_file_prefixes = {t}
biff = no
smtputf8_enable = no
"""

USERS = ["alice", "bob", "carol", "dave", "erin", "bcc1"] + [
    "r%02d" % i for i in range(50)]


class Postfix:
    def __init__(self, t):
        self.t = t
        self.conf = os.path.join(t, "conf")
        self.smtp_port = free_port()
        self.smtps_port = free_port()

    def configure(self):
        t = self.t
        os.makedirs(self.conf)
        os.makedirs(os.path.join(t, "mail"))
        # postfix start creates the queue's subdirectories, not the queue
        # itself; the data directory must belong to the mail owner.
        os.makedirs(os.path.join(t, "queue"))
        os.makedirs(os.path.join(t, "data"))
        pw = pwd.getpwnam("postfix")
        os.chown(os.path.join(t, "data"), pw.pw_uid, pw.pw_gid)
        nobody = 65534
        os.chown(os.path.join(t, "mail"), nobody, nobody)
        with open(os.path.join(t, "vmailbox"), "w") as f:
            for u in USERS:
                f.write("%s@%s %s/%s/\n" % (u, DOMAIN, DOMAIN, u))
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(t=t, host=HOST, domain=DOMAIN,
                                   uid=nobody, gid=nobody))
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(smtp_port=self.smtp_port,
                                     smtps_port=self.smtps_port))
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", os.path.join(t, "key.pem"),
             "-out", os.path.join(t, "cert.pem")],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        r = subprocess.run([POSTFIX, "-c", self.conf, "start"],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            print(r.stdout + r.stderr)
            self.show_log()
            return False
        deadline = time.monotonic() + 20
        return (wait_port(self.smtp_port, deadline)
                and wait_port(self.smtps_port, deadline))

    def show_log(self):
        log = os.path.join(self.t, "postfix.log")
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                print("--- postfix.log (tail) ---\n" + "".join(
                    f.readlines()[-40:]))

    def stop(self):
        subprocess.run([POSTFIX, "-c", self.conf, "stop"],
                       capture_output=True, timeout=30)
        # Children that outlive the master still run in the queue
        # directory: find them by their working directory and kill them.
        deadline = time.monotonic() + 5
        while True:
            left = self.leftover_pids()
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for pid in self.leftover_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def leftover_pids(self):
        pids = []
        for d in glob.glob("/proc/[0-9]*"):
            try:
                cwd = os.readlink(d + "/cwd")
            except OSError:
                continue
            if cwd == self.t or cwd.startswith(self.t + "/"):
                pids.append(int(os.path.basename(d)))
        return pids

    def maildir(self, user):
        return os.path.join(self.t, "mail", DOMAIN, user, "new")

    def wait_mail(self, user, count, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            files = sorted(glob.glob(os.path.join(self.maildir(user), "*")))
            if len(files) >= count:
                return files
            time.sleep(0.1)
        return sorted(glob.glob(os.path.join(self.maildir(user), "*")))

    def take_mail(self, user, timeout=20):
        """The one new message of user, removed from the Maildir."""
        files = self.wait_mail(user, 1, timeout)
        if len(files) != 1:
            self.show_log()
            return None
        with open(files[0], "rb") as f:
            data = f.read()
        os.unlink(files[0])
        return data


ADDED = (b"return-path:", b"x-original-to:", b"delivered-to:", b"received:")


def split_added(delivered):
    """Split Postfix's prepended header fields from the rest (LF only)."""
    lines = delivered.split(b"\n")
    i = 0
    while i < len(lines):
        low = lines[i].lower()
        if low.startswith(ADDED) or (i > 0 and lines[i][:1] in (b" ", b"\t")):
            i += 1
            continue
        break
    return b"\n".join(lines[:i]), b"\n".join(lines[i:])


def lf(data):
    return data.replace(b"\r\n", b"\n")


def same_below_added(delivered, sent, what):
    added, rest = split_added(lf(delivered))
    want = lf(sent)
    if rest == want:
        return added
    fail("%s: delivered message differs from what was sent "
         "(%d vs %d bytes)" % (what, len(rest), len(want)))
    for n, (a, b) in enumerate(zip(rest.split(b"\n"), want.split(b"\n"))):
        if a != b:
            print("  first difference at line %d:\n  got  %r\n  want %r"
                  % (n + 1, a[:120], b[:120]))
            break
    return None


class Runner:
    def __init__(self, mw_send, pf):
        self.mw_send = mw_send
        self.pf = pf

    def run(self, args, stdin=None, port=None, timeout=60):
        port = port or self.pf.smtp_port
        cmd = [self.mw_send, "--server", "127.0.0.1:%d" % port] + args
        r = subprocess.run(cmd, input=stdin, capture_output=True,
                           timeout=timeout)
        return r.returncode, r.stderr.decode(errors="replace")


def addr(user):
    return "%s@%s" % (user, DOMAIN)


def plain_message(subject, extra=b""):
    return (b"From: Alice <alice@example.org>\n"
            b"To: bob@example.org\n"
            b"Subject: " + subject.encode() + b"\n"
            b"Date: Mon, 02 Jan 2023 03:04:05 +0000\n"
            b"Message-ID: <" + subject.replace(" ", ".").encode() +
            b"@mw-send.test>\n" + extra +
            b"\n"
            b"Hello Bob,\n"
            b".a line starting with a dot\n"
            b"..two dots\n"
            b".\n"
            b"a line with a lone dot above, and CRLF here\r\n"
            b"last line without newline")


def expect_exit(what, got, want, err):
    if got != want:
        fail("%s: exit %d, expected %d; stderr: %s" % (what, got, want,
                                                       err.strip()))
        return False
    return True


def test_plain(r, pf):
    msg = plain_message("plain test")
    code, err = r.run(["--from", addr("alice"), "--to", addr("bob")], msg)
    if not expect_exit("plain", code, 0, err):
        return
    got = pf.take_mail("bob")
    if got is None:
        fail("plain: nothing delivered to bob")
        return
    # The dot-stuffer sends the bare-LF message with CRLF; Postfix stores
    # LF. The last line had no line end: SMTP adds one.
    if same_below_added(got, msg + b"\n", "plain") is not None:
        ok("plain message delivered byte for byte")


def test_starttls(r, pf, t):
    cafile = os.path.join(t, "cert.pem")
    msg = plain_message("starttls test")
    code, err = r.run(["--starttls", "--cafile", cafile,
                       "--from", addr("alice"), "--to", addr("carol")], msg)
    if expect_exit("starttls --cafile", code, 0, err):
        got = pf.take_mail("carol")
        if got is None:
            fail("starttls: nothing delivered")
        else:
            added = same_below_added(got, msg + b"\n", "starttls")
            if added is not None and b"using TLS" not in added:
                fail("starttls: Received header does not mention TLS: %r"
                     % added)
            elif added is not None:
                ok("STARTTLS with --cafile verified and delivered")
    # Without the CA the self-signed certificate must not verify.
    code, err = r.run(["--starttls", "--from", addr("alice"),
                       "--to", addr("carol")], msg)
    if expect_exit("starttls without CA", code, 75, err):
        if "verif" not in err.lower() and "certificate" not in err.lower():
            fail("starttls without CA: no verification reason: " + err)
        else:
            ok("STARTTLS without the CA refused: " + err.strip())
    if pf.wait_mail("carol", 1, timeout=1):
        fail("starttls without CA: a message was delivered anyway")
    # --insecure skips verification explicitly.
    code, err = r.run(["--starttls", "--insecure", "--from", addr("alice"),
                       "--to", addr("carol")], msg)
    if expect_exit("starttls --insecure", code, 0, err):
        if pf.take_mail("carol") is not None:
            ok("STARTTLS with --insecure delivered")
        else:
            fail("starttls --insecure: nothing delivered")


def test_implicit_tls(r, pf, t):
    cafile = os.path.join(t, "cert.pem")
    msg = plain_message("implicit tls test")
    code, err = r.run(["--tls", "--cafile", cafile, "--from", addr("alice"),
                       "--to", addr("dave")], msg, port=pf.smtps_port)
    if not expect_exit("implicit TLS", code, 0, err):
        return
    got = pf.take_mail("dave")
    if got is None:
        fail("implicit TLS: nothing delivered")
    elif same_below_added(got, msg + b"\n", "implicit TLS") is not None:
        ok("implicit TLS (wrapper mode) delivered")


def test_no_tls_build(r, pf):
    code, err = r.run(["--starttls", "--from", addr("alice"),
                       "--to", addr("bob")], b"")
    if expect_exit("--starttls without TLS support", code, 64, err):
        ok("mw-send without TLS refuses --starttls (64)")


def make_big_file(path, size):
    # Deterministic, incompressible-looking bytes of every value.
    chunk = bytes((i * 7919 + (i >> 8) * 31) & 0xFF for i in range(65536))
    with open(path, "wb") as f:
        left = size
        while left > 0:
            f.write(chunk[:min(left, len(chunk))])
            left -= len(chunk)


def test_attachment_composed(r, pf, t, big):
    text = os.path.join(t, "text.txt")
    with open(text, "w") as f:
        f.write("See the attachment.\nR\u00e9sum\u00e9 attached.\n")
    code, err = r.run(["--from", addr("alice"), "--to", addr("erin"),
                       "--subject", "10 MB attachment", "--text", text,
                       "--attach", big], timeout=120)
    if not expect_exit("10 MB attachment (composed)", code, 0, err):
        return
    got = pf.take_mail("erin", timeout=40)
    if got is None:
        fail("10 MB attachment: nothing delivered")
        return
    m = email.message_from_bytes(got, policy=email.policy.default)
    parts = list(m.iter_parts()) if m.is_multipart() else []
    if len(parts) != 2:
        fail("10 MB attachment: expected 2 parts, got %d" % len(parts))
        return
    with open(big, "rb") as f:
        want = f.read()
    body_text = parts[0].get_content()
    att = parts[1].get_payload(decode=True)
    if (body_text.replace("\r\n", "\n") ==
            "See the attachment.\nR\u00e9sum\u00e9 attached.\n"
            and att == want and parts[1].get_filename() == "big.bin"
            and m["Subject"] == "10 MB attachment" and m["Date"]
            and m["Message-ID"]):
        ok("10 MB attachment composed by mw-send arrived intact")
    else:
        fail("10 MB attachment: content differs (text %r, %d vs %d bytes)"
             % (body_text[:60], len(att or b""), len(want)))


def test_attachment_stdin(r, pf, t, mw_compose, big):
    out = subprocess.run(
        [mw_compose, "--from", addr("alice"), "--to", addr("erin"),
         "--subject", "10 MB via stdin", "--attach", big,
         "--date", "Mon, 02 Jan 2023 03:04:05 +0000",
         "--message-id", "<big@mw-send.test>", "--seed", "3"],
        capture_output=True, timeout=60)
    if out.returncode != 0:
        fail("mw-compose failed: " + out.stderr.decode(errors="replace"))
        return
    msg = out.stdout
    code, err = r.run(["--from", addr("alice"), "--to", addr("erin")], msg,
                      timeout=120)
    if not expect_exit("10 MB message on stdin", code, 0, err):
        return
    got = pf.take_mail("erin", timeout=40)
    if got is None:
        fail("10 MB on stdin: nothing delivered")
    elif same_below_added(got, msg, "10 MB on stdin") is not None:
        ok("10 MB message (%d bytes) delivered byte for byte" % len(msg))


def test_fifty(r, pf):
    msg = plain_message("fifty recipients")
    args = ["--from", addr("alice")]
    for i in range(50):
        args += ["--to", addr("r%02d" % i)]
    code, err = r.run(args, msg)
    if not expect_exit("50 recipients", code, 0, err):
        return
    bad = 0
    for i in range(50):
        got = pf.take_mail("r%02d" % i)
        if got is None or same_below_added(got, msg + b"\n",
                                           "r%02d" % i) is None:
            bad += 1
    if bad:
        fail("50 recipients: %d mailboxes wrong" % bad)
    else:
        ok("50 recipients (pipelined) each got the message")
    log = os.path.join(pf.t, "postfix.log")
    with open(log, errors="replace") as f:
        if "improper command pipelining" in f.read():
            fail("Postfix logged improper command pipelining")


def test_rejected(r, pf):
    msg = plain_message("rejected recipient")
    code, err = r.run(["--from", addr("alice"), "--to", addr("bob"),
                       "--to", addr("nobody-here")], msg)
    if expect_exit("one rejected recipient", code, 0, err):
        if "nobody-here" not in err or "550" not in err:
            fail("rejected recipient not reported with the reply: " + err)
        got = pf.take_mail("bob")
        if got is None:
            fail("rejected recipient: valid recipient got nothing")
        elif same_below_added(got, msg + b"\n", "rejected") is not None:
            ok("rejected recipient reported (%s), the other delivered"
               % err.strip().splitlines()[0])
    code, err = r.run(["--from", addr("alice"), "--to", addr("nobody-here"),
                       "--to", addr("nobody-either")], msg)
    if expect_exit("all recipients rejected", code, 69, err):
        ok("every recipient rejected: exit 69")


def test_dash_t(r, pf):
    msg = (b"From: Alice <alice@example.org>\n"
           b"To: Bob <bob@example.org>, carol@example.org\n"
           b"Cc: dave@example.org\n"
           b"Bcc: bcc1@example.org,\n"
           b" erin@example.org\n"
           b"Subject: dash t\n"
           b"Date: Mon, 02 Jan 2023 03:04:05 +0000\n"
           b"Message-ID: <dash-t@mw-send.test>\n"
           b"\n"
           b"Body.\n")
    want = msg.replace(b"Bcc: bcc1@example.org,\n erin@example.org\n", b"")
    code, err = r.run(["-t"], msg)
    if not expect_exit("-t", code, 0, err):
        return
    bad = 0
    for u in ("bob", "carol", "dave", "bcc1", "erin"):
        got = pf.take_mail(u)
        if got is None or same_below_added(got, want, "-t " + u) is None:
            bad += 1
    if bad == 0:
        ok("-t: To, Cc and Bcc recipients got the message, without Bcc")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    mw_send, mw_compose, tls_built = sys.argv[1], sys.argv[2], sys.argv[3]
    if not POSTFIX:
        skip_or_fail("postfix is not installed")
    if os.geteuid() != 0:
        skip_or_fail("postfix needs root to start")
    if not shutil.which("openssl"):
        skip_or_fail("openssl is not installed")
    t = tempfile.mkdtemp(prefix="mwpf")
    os.chmod(t, 0o755)
    pf = Postfix(t)
    started = time.monotonic()
    try:
        pf.configure()
        if not pf.start():
            fail("postfix did not start")
            return 1
        r = Runner(mw_send, pf)
        big = os.path.join(t, "big.bin")
        make_big_file(big, 10 * 1024 * 1024)
        test_plain(r, pf)
        if tls_built == "1":
            test_starttls(r, pf, t)
            test_implicit_tls(r, pf, t)
        else:
            test_no_tls_build(r, pf)
        test_attachment_composed(r, pf, t, big)
        test_attachment_stdin(r, pf, t, mw_compose, big)
        test_fifty(r, pf)
        test_rejected(r, pf)
        test_dash_t(r, pf)
    finally:
        pf.stop()
        if os.environ.get("MW_KEEP_TMP"):
            print("kept " + t)
        else:
            shutil.rmtree(t, ignore_errors=True)
    print("%.1f s, %d failure(s)" % (time.monotonic() - started,
                                     len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

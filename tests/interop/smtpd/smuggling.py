#!/usr/bin/env python3
"""Interop test 3: a raw socket client attacks mw-smtpd.

SMTP smuggling (CVE-2023-51764, CVE-2023-51765, CVE-2023-51766): the
client ends a first message with a sequence that some servers take as the
end of data (LF.LF, LF.CRLF, CR.CR, ...), pipelines a second, smuggled
transaction behind it and only then sends the real CRLF.CRLF. Only
CRLF "." CRLF ends DATA: no second message may ever be accepted, and the
message with the bare CR/LF/NUL is refused (550 5.6.0) as a whole.

STARTTLS command injection (the CVE-2011-0411 class; aiosmtpd #380,
CVE-2024-34083 in PEERS.md): "STARTTLS\\r\\nRSET\\r\\n" in one packet; the
RSET (or MAIL) pipelined in plaintext must not be answered after the
handshake.

usage: smuggling.py PATH-TO-mw-smtpd [HAVE_TLS (1|0)]
"""
import os
import shutil
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtpd_common import Failures, Smtpd, need_tls, make_cert, need, temp_dir  # noqa: E402

# The end-of-data look-alikes of the smuggling research (SEC Consult,
# hannob/smtpsmug, The-Login/SMTP-Smuggling-Tools) and a NUL before the dot.
VARIANTS = [
    ("cve_2023_51764_lf_dot_lf", b"\n.\n"),
    ("cve_2023_51764_lf_dot_crlf", b"\n.\r\n"),
    ("cve_2023_51764_cr_dot_cr", b"\r.\r"),
    ("cve_2023_51764_crlf_dot_lf", b"\r\n.\n"),
    ("cve_2023_51764_crlf_dot_cr", b"\r\n.\r"),
    ("cve_2023_51764_crlf_dot_cr_crlf", b"\r\n.\r\r\n"),
    ("cve_2023_51764_lf_dot_cr", b"\n.\r"),
    ("cve_2023_51764_cr_dot_crlf", b"\r.\r\n"),
    ("cve_2023_51764_nul_dot_crlf", b"\r\n\x00.\r\n"),
]


class Client:
    """A line-level SMTP client on a raw socket (no normalisation at all)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def reply(self):
        """One whole (multi-line) reply as (code, [lines]), or None at EOF."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    return None
                if not chunk:
                    return None
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("latin-1"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(line[:3]), lines

    def replies(self, n):
        return [self.reply() for _ in range(n)]

    def starttls(self, ctx):
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""

    def close(self):
        self.sock.close()


def queued(replies):
    return [r for r in replies if r and r[0] == 250 and "queued" in r[1][-1]]


def smuggling(t, srv):
    for name, seq in VARIANTS:
        user = "victim-" + name.split("_")[-1].replace("nul", "n0")
        c = Client(srv.port)
        c.reply()
        c.send(b"EHLO attacker.example\r\n")
        c.reply()
        # Pipelined envelope, as an attacker with PIPELINING would send it.
        c.send(b"MAIL FROM:<sender@example.org>\r\nRCPT TO:<%s@example.org>\r\nDATA\r\n"
               % user.encode())
        env = c.replies(3)
        data = (b"From: sender@example.org\r\nSubject: first\r\n\r\nfirst body" + seq +
                b"MAIL FROM:<admin@example.org>\r\nRCPT TO:<%s@example.org>\r\nDATA\r\n"
                b"From: admin@example.org\r\nSubject: smuggled\r\n\r\nsmuggled body\r\n"
                b".\r\nQUIT\r\n" % user.encode())
        c.send(data)
        rest = []
        while True:
            r = c.reply()
            if r is None:
                break
            rest.append(r)
        c.close()
        codes = [r[0] for r in rest]
        t.check([r[0] for r in env] == [250, 250, 354], "%s: envelope accepted" % name, repr(env))
        t.check(queued(rest) == [], "%s: no message accepted" % name, repr(rest))
        t.check(codes[:1] == [550] and "5.6.0" in rest[0][1][0],
                "%s: the whole data refused with 550 5.6.0" % name, repr(rest))
        t.check(codes[-1:] == [221], "%s: session in step (QUIT answered 221)" % name,
                repr(codes))
        t.check(srv.files(user) == [] and srv.files(user, "tmp") == [],
                "%s: nothing in the Maildir" % name)

    # Control: a real CRLF.CRLF followed by a pipelined second transaction
    # gives two messages, so the checks above would see a smuggled one.
    c = Client(srv.port)
    c.reply()
    c.send(b"EHLO client.example\r\n")
    c.reply()
    c.send(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<control@example.org>\r\nDATA\r\n")
    c.replies(3)
    c.send(b"Subject: one\r\n\r\none\r\n.\r\nMAIL FROM:<a@example.org>\r\n"
           b"RCPT TO:<control@example.org>\r\nDATA\r\n")
    rs = c.replies(4)
    c.send(b"Subject: two\r\n\r\ntwo\r\n.\r\nQUIT\r\n")
    rs += c.replies(2)
    c.close()
    t.check(len(queued(rs)) == 2 and len(srv.files("control")) == 2,
            "control: CRLF.CRLF + pipelined transaction = two messages", repr(rs))


def starttls_injection(t, srv, cert):
    ctx = ssl.create_default_context(cafile=cert)
    # RSET pipelined behind STARTTLS in the same packet.
    c = Client(srv.port)
    c.reply()
    c.send(b"EHLO attacker.example\r\n")
    c.reply()
    c.send(b"STARTTLS\r\nRSET\r\n")
    first = c.reply()
    t.check(first and first[0] == 220, "starttls_injection_rset: 220 to STARTTLS", repr(first))
    c.starttls(ctx)
    c.send(b"EHLO attacker.example\r\nNOOP\r\n")
    after = c.replies(2)
    c.send(b"QUIT\r\n")
    after.append(c.reply())
    c.close()
    ehlo = after[0]
    t.check(ehlo is not None and ehlo[0] == 250 and any("AUTH" in l or "SIZE" in l for l in ehlo[1]),
            "starttls_injection_rset: first reply after TLS answers EHLO, not the RSET",
            repr(after))
    t.check(after[1] is not None and after[1][0] == 250 and after[2] is not None
            and after[2][0] == 221,
            "starttls_injection_rset: exactly EHLO, NOOP, QUIT answered", repr(after))

    # A MAIL pipelined behind STARTTLS must not open a transaction.
    c = Client(srv.port)
    c.reply()
    c.send(b"EHLO attacker.example\r\n")
    c.reply()
    c.send(b"STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<inj@example.org>\r\n")
    c.reply()
    c.starttls(ctx)
    c.send(b"EHLO attacker.example\r\n")
    c.reply()
    c.send(b"RCPT TO:<inj@example.org>\r\nDATA\r\n")
    rs = c.replies(2)
    c.send(b"QUIT\r\n")
    c.reply()
    c.close()
    t.check(rs[0] is not None and rs[0][0] == 503 and rs[1] is not None and rs[1][0] == 503,
            "starttls_injection_mail: injected MAIL did not survive (RCPT, DATA get 503)",
            repr(rs))
    t.check(srv.files("inj") == [], "starttls_injection_mail: nothing delivered")
    # Plaintext sent after the 220 in its own packet reaches the TLS
    # handshake, which fails: that connection is dropped, nothing is
    # executed, and the server goes on serving others.
    c = Client(srv.port)
    c.reply()
    c.send(b"EHLO attacker.example\r\n")
    c.reply()
    c.send(b"STARTTLS\r\n")
    c.reply()
    c.send(b"RSET\r\nMAIL FROM:<evil@example.org>\r\n")
    data = b""
    try:
        while True:
            chunk = c.sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    c.close()
    t.check(b"250" not in data, "starttls_injection_late: plaintext never answered", repr(data))
    c = Client(srv.port)
    greeting = c.reply()
    c.close()
    t.check(greeting is not None and greeting[0] == 220,
            "starttls_injection_late: server still serves new clients")

    time.sleep(0.2)
    t.check("pipelined after STARTTLS" in srv.log(),
            "starttls injection: the dropped plaintext is logged")


def main():
    exe = sys.argv[1]
    need_tls(sys.argv)
    need("openssl")
    tmp = temp_dir()
    t = Failures()
    srv = None
    try:
        cert, key = make_cert(tmp)
        srv = Smtpd(exe, tmp, ["--tls-cert", cert, "--tls-key", key])
        smuggling(t, srv)
        starttls_injection(t, srv, cert)
    finally:
        if srv:
            t.check(srv.stop() == 0, "server exits 0 on SIGTERM")
            if t.failed:
                print(srv.log()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()

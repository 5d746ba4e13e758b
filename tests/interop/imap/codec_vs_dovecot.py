#!/usr/bin/env python3
"""Interop test: the IMAP codec against a real Dovecot IMAP server.

Starts a private Dovecot (IMAP only; standalone config, passwd-file user,
an empty Maildir) on a free loopback port, then runs one session whose
every client byte comes from mailwire's serializer and whose every server
byte is read back by mailwire's parser:

  1. The commands (LOGIN, ID, ENABLE, NAMESPACE, LIST-EXTENDED, CREATE with
     a modified UTF-7 name, STATUS, SELECT (CONDSTORE), APPEND of ~70
     generated messages of every MIME shape, FETCH of ENVELOPE /
     BODYSTRUCTURE / BODY[] / sections / partials / BINARY, SEARCH with
     OR/NOT and ESEARCH RETURN, SORT, THREAD, STORE with UNCHANGEDSINCE,
     COPY, MOVE, UID EXPUNGE, IDLE/DONE, EXAMINE, UNSELECT, LOGOUT) are
     written as text here, then passed through
     `mw-imap-dump --client-stream --reserialize --typed`: each is decoded
     into its typed value (imap_cmd.h) and written by mw_imap_cmd_write();
     what goes to Dovecot is that canonical serialization (synchronizing literals wait for Dovecot's
     continuation request). Dovecot must answer OK to every command: the
     serializer writes what a real server accepts.
  2. Everything Dovecot sent is parsed with `mw-imap-dump --server-stream`
     (typed validation of every response on): it must parse, and give the
     same output fed whole, one byte at a time and in 4093-byte chunks.
  3. The parsed values must say what the messages are: BODY[] of every
     message has the SHA-256 of the appended bytes, RFC822.SIZE their
     length, ENVELOPE's message-id equals mw-parse's, BODYSTRUCTURE's
     leaves have the content types mw-parse finds (for the well-formed
     shapes), SEARCH HEADER finds the right message, the APPENDUID codes
     count up.

Usage: codec_vs_dovecot.py MW_IMAP_DUMP MW_PARSE GEN_CORPUS_DIR
Exit 0 pass, 1 fail, 77 skip (no dovecot or not root, unless CI=true).
"""
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "pop3"))
from common import (check, children_of, dovecot_start, fail,  # noqa: E402
                    finish, free_port, kill_tree, mail_uid, master_pid, ok,
                    skip_or_fail, wait_port)

USER, PASSWORD = "bob", "b0b secret"
SEED, COUNT = 20261126, 70
# Shapes whose structure every reader agrees on; the broken ones are
# appended and read back byte for byte, but Dovecot's and mailwire's
# repairs of a broken structure may legitimately differ.
WELL_FORMED = {"plain", "alternative", "mixed", "nested", "rfc822", "digest",
               "qp", "base64", "words", "dsn", "filename-words",
               "adjacent-words", "empty-body"}

CONF = """\
base_dir = {base}
instance_name = mw-imap-interop
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_location = maildir:{dir}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def start_dovecot(tmp, port, uid, gid):
    maildir = os.path.join(tmp, "mail", USER)
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub))
    for root, dirs, files in os.walk(os.path.join(tmp, "mail")):
        for n in dirs + files:
            os.chown(os.path.join(root, n), uid, gid)
    os.chown(os.path.join(tmp, "mail"), uid, gid)
    with open(os.path.join(tmp, "passwd"), "w") as f:
        f.write("%s:{PLAIN}%s:%d:%d::%s/home\n" % (USER, PASSWORD, uid, gid,
                                                  tmp))
    return dovecot_start(tmp, CONF, uid=uid, port=port)


def load_messages(gen_dir):
    """Generated messages as Dovecot stores and returns them: CRLF line
    ends, ending in CRLF, no NUL or bare CR (IMAP APPEND refuses those)."""
    sys.path.insert(0, gen_dir)
    import gen_corpus
    out = []
    for mid, shape, data in gen_corpus.generate(SEED, COUNT):
        if b"\0" in data:
            continue
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            continue
        if not data.endswith(b"\n"):
            data += b"\n"
        out.append((mid, shape, data.replace(b"\n", b"\r\n")))
    return out


def imap_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def client_script(messages):
    """The session as text commands (tag, bytes); literals inline."""
    cmds = []

    def add(text, data=None):
        tag = "mw%03d" % (len(cmds) + 1)
        line = ("%s %s" % (tag, text)).encode()
        if data is not None:
            line += b"{%d}\r\n" % len(data) + data
        cmds.append((tag, line + b"\r\n"))
        return tag

    add("LOGIN bob %s" % imap_quote(PASSWORD))
    add("CAPABILITY")
    add('ID ("name" "mailwire-interop" "version" "1")')
    add("ENABLE CONDSTORE")
    add("NAMESPACE")
    add('CREATE "Archiv &AOQ-"')
    add("CREATE Work")
    add("SUBSCRIBE Work")
    add('LIST "" "*"')
    add('LIST (SUBSCRIBED) "" ("*" "Work") RETURN (CHILDREN)')
    add('LSUB "" "*"')
    add("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)")
    tags = {}
    for mid, _, data in messages:
        tags[mid] = add('APPEND INBOX (\\Seen $mw) "01-Apr-2025 10:00:00 +0000" ',
                        data)
    add("SELECT INBOX (CONDSTORE)")
    add("NOOP")
    add("UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE "
        "BODYSTRUCTURE MODSEQ)")
    add("UID FETCH 1:* (BODY.PEEK[])")
    add("FETCH 1:3 (BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]<0.40> "
        "BODY.PEEK[1.MIME] BODY.PEEK[TEXT]<2.20> BINARY.SIZE[1])")
    add("FETCH 1 BINARY.PEEK[1]")
    add("FETCH 1:* FAST")
    first_id = message_id(messages[3][2])
    search_tag = add("SEARCH HEADER Message-ID %s" % imap_quote(first_id))
    add("UID SEARCH OR SUBJECT report NOT SEEN SINCE 1-Jan-2020")
    add("SEARCH RETURN (MIN MAX COUNT) UNDELETED")
    add("SORT (REVERSE ARRIVAL) UTF-8 ALL")
    add("THREAD REFERENCES UTF-8 ALL")
    add("STORE 1:3 +FLAGS.SILENT (\\Flagged $Work)")
    add("STORE 2 (UNCHANGEDSINCE 100000) -FLAGS (\\Seen)")
    add("FETCH 1:4 (FLAGS) (CHANGEDSINCE 1)")
    add("UID COPY 1:2 Work")
    add('UID MOVE 3 "Archiv &AOQ-"')
    add("STORE 4 +FLAGS (\\Deleted)")
    add("UID EXPUNGE 4")
    add("IDLE")
    cmds.append((None, b"DONE\r\n"))
    add("CHECK")
    add("EXPUNGE")
    add("EXAMINE Work")
    add("UNSELECT")
    add('STATUS "Archiv &AOQ-" (MESSAGES)')
    add("LOGOUT")
    return cmds, tags, search_tag


def message_id(data):
    m = re.search(rb"^Message-ID:[ \t]*(.*?)\r\n", data, re.M | re.I)
    return m.group(1).decode().strip() if m else ""


def canonical(dump, cmds, tmp):
    """The commands as mailwire's serializer writes them."""
    raw = b"".join(line for _, line in cmds)
    path = os.path.join(tmp, "client_text.txt")
    with open(path, "wb") as f:
        f.write(raw)
    r = subprocess.run([dump, "--client-stream", path, "--reserialize",
                        "--typed"],
                       capture_output=True, timeout=60)
    if not check(r.returncode == 0,
                 "mw-imap-dump parses and reserializes the %d commands" %
                 len(cmds)):
        print(r.stderr.decode(errors="replace"))
        return None
    return r.stdout


class Conn:
    """A socket whose received bytes a thread collects, so that Dovecot
    never blocks on a full send buffer while we write."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = bytearray()
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self.reader, daemon=True)
        self.thread.start()

    def reader(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.buf.extend(data)
                self.cond.notify_all()

    def wait_for(self, pattern, start):
        """Wait until pattern (a compiled bytes regex) matches at or after
        offset start of the received bytes; returns the match end."""
        deadline = time.monotonic() + 60
        with self.cond:
            while True:
                m = pattern.search(self.buf, start)
                if m:
                    return m.end()
                if self.closed or time.monotonic() > deadline:
                    raise RuntimeError("waiting for %r" % pattern.pattern)
                self.cond.wait(1)

    def send(self, data):
        self.sock.sendall(data)


def run_session(port, stream):
    """Send the canonical stream: one command at a time, each literal after
    Dovecot's continuation request, DONE after IDLE's."""
    c = Conn(port)
    cont = re.compile(rb"(?:^|\r\n)\+ [^\r\n]*\r\n")
    pos = c.wait_for(re.compile(rb"^\* OK [^\r\n]*\r\n"), 0)
    idle_tag = first = None
    i = 0
    tag = None  # the command being sent, across its literals
    while i < len(stream):
        eol = stream.index(b"\r\n", i) + 2
        line = stream[i:eol]
        c.send(line)
        if tag is None:
            tag = line.split(b" ", 1)[0]
            first = line
        lit = re.search(rb"~?\{(\d+)\}\r\n$", line)
        if lit:
            pos = c.wait_for(cont, max(pos - 2, 0))
            n = int(lit.group(1))
            c.send(stream[eol:eol + n])
            i = eol + n
            continue
        i = eol
        if first == b"DONE\r\n":
            tag = None  # IDLE's completion follows DONE
            pos = c.wait_for(re.compile(rb"\r\n" + re.escape(idle_tag) +
                                        rb" [^\r\n]*\r\n"), max(pos - 2, 0))
            continue
        if first.upper().startswith(tag.upper() + b" IDLE"):
            idle_tag = tag
            tag = None
            pos = c.wait_for(cont, max(pos - 2, 0))
            continue
        pos = c.wait_for(re.compile(rb"\r\n" + re.escape(tag) +
                                    rb" [^\r\n]*\r\n"), max(pos - 2, 0))
        tag = None
    with c.cond:
        while not c.closed:
            c.cond.wait(1)
    return bytes(c.buf)


def dump_server(dump, path, chunk=None):
    args = [dump, "--server-stream", path]
    if chunk:
        args += ["--chunk", str(chunk)]
    return subprocess.run(args, capture_output=True, timeout=120)


def leaves_of_bodystructure(b):
    if "parts" in b:
        out = []
        for p in b["parts"]:
            out += leaves_of_bodystructure(p)
        return out
    t = ("%s/%s" % (b.get("type") or "", b.get("subtype") or "")).lower()
    if t in ("message/rfc822", "message/global") and b.get("body"):
        return leaves_of_bodystructure(b["body"])
    params = b.get("params") or []
    names = [str(x).lower() for x in params[0::2]]
    charset = (str(params[1 + 2 * names.index("charset")]).lower()
               if "charset" in names else None)
    disp = b.get("disposition")
    disp = str(disp[0]).lower() if disp else None
    encoding = str(b.get("encoding") or "7bit").lower()
    return [(t, charset, disp, encoding)]


def leaves_of_mw_parse(parsed, theirs):
    """mw-parse's leaves in the same terms; where the header said nothing
    (no charset, no Content-Transfer-Encoding) Dovecot reports the RFC 2045
    default, so the default is taken from Dovecot's side."""
    out = []
    leaves = [p for p in parsed["parts"]
              if not p["content_type"].startswith("multipart/")
              and p["content_type"] not in ("message/rfc822", "message/global")]
    for i, p in enumerate(leaves):
        other = theirs[i] if i < len(theirs) else (None, None, None, "7bit")
        out.append((p["content_type"],
                    p["charset"] if p["charset"] is not None else other[1],
                    p["disposition"],
                    p["transfer_encoding"] or other[3]))
    return out


def check_results(units, messages, tags, search_tag, mw_parse, tmp):
    status = {}
    appenduid = []
    by_uid = {}
    search_result = None
    for u in units:
        f = u.get("fields") or {}
        if u["kind"] == "response" and u["tag"]:
            status[u["tag"]] = u["name"]
            code = f.get("code") or {}
            if code.get("name") == "APPENDUID":
                appenduid.append(code["args"][1])
            if u["tag"] == search_tag:
                pass
        if u["kind"] == "response" and u["tag"] is None:
            if u["name"] == "FETCH":
                attrs = f.get("attrs", {})
                if "UID" in attrs:
                    by_uid.setdefault(attrs["UID"], {}).update(attrs)
            if u["name"] == "SEARCH" and search_result is None:
                search_result = u
    bad = [t for t, s in status.items() if s != "OK"]
    check(not bad, "Dovecot answered OK to every command (%d tagged; not OK: "
          "%s)" % (len(status), bad))
    check(appenduid == [str(i) for i in range(1, len(messages) + 1)] or
          appenduid == list(range(1, len(messages) + 1)),
          "APPENDUID codes count 1..%d" % len(messages))
    same_body = same_size = same_id = same_tree = compared = 0
    for uid, (mid, shape, data) in enumerate(messages, start=1):
        a = by_uid.get(uid, {})
        body = a.get("BODY[]") or {}
        if body.get("sha256") == hashlib.sha256(data).hexdigest():
            same_body += 1
        else:
            fail("%s: BODY[] %r differs from the appended bytes" % (mid, body))
        if a.get("RFC822.SIZE") == len(data):
            same_size += 1
        else:
            fail("%s: RFC822.SIZE %r, appended %d" % (mid, a.get("RFC822.SIZE"),
                                                      len(data)))
        path = os.path.join(tmp, "msg-%d.eml" % uid)
        with open(path, "wb") as f:
            f.write(data)
        r = subprocess.run([mw_parse, path], capture_output=True, timeout=30)
        parsed = json.loads(r.stdout)
        env = a.get("ENVELOPE") or {}
        if (env.get("message_id") or None) == (parsed["message_id"] or None):
            same_id += 1
        else:
            fail("%s: ENVELOPE message-id %r, mw-parse %r" %
                 (mid, env.get("message_id"), parsed["message_id"]))
        if shape in WELL_FORMED and a.get("BODYSTRUCTURE"):
            compared += 1
            theirs = leaves_of_bodystructure(a["BODYSTRUCTURE"])
            ours = leaves_of_mw_parse(parsed, theirs)
            if ours == theirs:
                same_tree += 1
            else:
                fail("%s: BODYSTRUCTURE leaves %s, mw-parse %s" %
                     (mid, theirs, ours))
    n = len(messages)
    check(same_body == n, "BODY[] SHA-256 equals the appended bytes: %d/%d" %
          (same_body, n))
    check(same_size == n, "RFC822.SIZE equals the length: %d/%d" %
          (same_size, n))
    check(same_id == n, "ENVELOPE message-id equals mw-parse's: %d/%d" %
          (same_id, n))
    check(compared >= 25 and same_tree == compared,
          "BODYSTRUCTURE leaves (type, charset, disposition, encoding) equal "
          "mw-parse's: %d/%d well-formed" %
          (same_tree, compared))
    nums = (search_result or {}).get("fields", {}).get("numbers")
    if nums is None:
        nums = (search_result or {}).get("fields", {}).get("args")
    check(nums in ([4], ["4"]),
          "SEARCH HEADER Message-ID finds message 4 (got %r)" % (nums,))


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    dump, mw_parse, gen_dir = sys.argv[1:4]
    if not shutil.which("dovecot") and not os.path.exists("/usr/sbin/dovecot"):
        skip_or_fail("dovecot is not installed (apt-get install dovecot-imapd)")
    if not os.path.exists("/usr/lib/dovecot/imap"):
        skip_or_fail("Dovecot's IMAP server is not installed "
                     "(apt-get install dovecot-imapd)")
    if os.geteuid() != 0:
        skip_or_fail("Dovecot needs root to start")
    uid, gid = mail_uid()
    tmp = tempfile.mkdtemp(prefix="mw-imap-dovecot-")
    os.chmod(tmp, 0o755)
    messages = load_messages(gen_dir)
    cmds, tags, search_tag = client_script(messages)
    stream = canonical(dump, cmds, tmp)
    if stream is None:
        finish()
    with open(os.path.join(tmp, "client.txt"), "wb") as f:
        f.write(stream)
    port = free_port()
    conf, base = start_dovecot(tmp, port, uid, gid)
    pids = []
    try:
        if conf is None or not wait_port(port):
            fail("Dovecot did not start")
            return 1
        mp = master_pid(base)
        pids = ([mp] + children_of(mp)) if mp else []
        try:
            received = run_session(port, stream)
        except RuntimeError as e:
            fail("session: %s" % e)
            print(open(os.path.join(tmp, "dovecot.log")).read()[-3000:])
            finish()
        ok("session with Dovecot: %d bytes sent, %d received" %
           (len(stream), len(received)))
        path = os.path.join(tmp, "server.txt")
        with open(path, "wb") as f:
            f.write(received)
        whole = dump_server(dump, path)
        if not check(whole.returncode == 0,
                     "mw-imap-dump parses every response Dovecot sent"):
            print(whole.stderr.decode(errors="replace"))
            finish()
        for chunk in (1, 4093):
            r = dump_server(dump, path, chunk)
            check(r.returncode == 0 and r.stdout == whole.stdout,
                  "same parse fed in %d-byte chunks" % chunk)
        units = [json.loads(x) for x in whole.stdout.splitlines()]
        check_results(units, messages, tags, search_tag, mw_parse, tmp)
    finally:
        if pids:
            kill_tree(pids + children_of(pids[0]))
        shutil.rmtree(base, ignore_errors=True)
        if not os.environ.get("MW_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    sys.exit(main())

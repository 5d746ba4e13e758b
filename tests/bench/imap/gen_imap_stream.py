#!/usr/bin/env python3
"""Generate a large IMAP server response stream for the benchmark.

usage: gen_imap_stream.py OUT COUNT [SEED]

Writes COUNT untagged FETCH responses (UID, FLAGS, RFC822.SIZE,
INTERNALDATE, ENVELOPE with address lists, BODYSTRUCTURE as a nested
multipart with extension data, a header-field literal and a small
BODY[TEXT]<0> literal), followed by a tagged OK. Deterministic for a seed.
"""
import random
import sys

NAMES = ["Alice Example", "Bob Smith", "Carol", "Dave O'Neil", "Eve \\\"Q\\\" Doe",
         "Frank", "Grace Hopper", "Heidi Klum", "Ivan", "Judy"]
USERS = ["alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi"]
HOSTS = ["example.com", "example.org", "mail.example.net", "lists.example.io"]
WORDS = ["report", "meeting", "lunch", "budget", "release", "notes", "draft",
         "review", "invoice", "update", "weekly", "plan", "question", "fix"]
FLAGS = ["\\Seen", "\\Answered", "\\Flagged", "\\Draft", "$Forwarded",
         "$Label1", "$Junk", "NonJunk"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]


def q(s):
    return '"' + s + '"'


def address(r):
    name = r.choice(NAMES)
    return "(%s NIL %s %s)" % (q(name) if r.random() < 0.8 else "NIL",
                                q(r.choice(USERS)), q(r.choice(HOSTS)))


def addr_list(r, lo, hi):
    n = r.randint(lo, hi)
    if n == 0:
        return "NIL"
    return "(" + "".join(address(r) for _ in range(n)) + ")"


def subject(r):
    words = " ".join(r.choice(WORDS) for _ in range(r.randint(2, 9)))
    if r.random() < 0.15:
        # 8-bit or quote-heavy subjects go out as literals, as servers do.
        raw = ("Re: " + words + " \u00e9t\u00e9 \"x\"").encode("utf-8")
        return b"{%d}\r\n" % len(raw) + raw
    return q("Re: " + words).encode()


def envelope(r, i):
    date = '"Wed, %d %s 2024 %02d:%02d:%02d +0200"' % (
        r.randint(1, 28), r.choice(MONTHS), r.randint(0, 23),
        r.randint(0, 59), r.randint(0, 59))
    frm = addr_list(r, 1, 1)
    parts = [date.encode(), subject(r), frm.encode(), frm.encode(), frm.encode(),
             addr_list(r, 1, 4).encode(), addr_list(r, 0, 3).encode(), b"NIL",
             (q("<p%d@%s>" % (i - 1, r.choice(HOSTS))) if r.random() < 0.5
              else "NIL").encode(),
             q("<m%d.%d@%s>" % (i, r.randint(0, 1 << 30), r.choice(HOSTS))).encode()]
    return b"(" + b" ".join(parts) + b")"


def text_part(r, sub):
    size = r.randint(100, 20000)
    return ('("TEXT" "%s" ("CHARSET" "utf-8" "FORMAT" "flowed") NIL NIL '
            '"QUOTED-PRINTABLE" %d %d NIL NIL NIL NIL)' % (sub, size, size // 60 + 1))


def attachment(r):
    name = "%s-%d.pdf" % (r.choice(WORDS), r.randint(1, 999))
    return ('("APPLICATION" "PDF" ("NAME" "%s") "<att%d@x>" "scan" "BASE64" %d NIL '
            '("ATTACHMENT" ("FILENAME" "%s" "SIZE" "%d")) "EN" NIL)' % (
                name, r.randint(0, 9999), r.randint(1000, 900000), name,
                r.randint(1000, 900000)))


def bodystructure(r):
    alt = ("(%s%s \"ALTERNATIVE\" (\"BOUNDARY\" \"=_alt_%08x\") NIL NIL NIL)" % (
        text_part(r, "PLAIN"), text_part(r, "HTML"), r.getrandbits(32)))
    atts = "".join(attachment(r) for _ in range(r.randint(0, 2)))
    return ("(%s%s \"MIXED\" (\"BOUNDARY\" \"=_mix_%08x\") (\"INLINE\" NIL) "
            "(\"EN\" \"DE\") \"http://example.com/loc\")" % (
                alt, atts, r.getrandbits(32))).encode()


def literal(data):
    return b"{%d}\r\n" % len(data) + data


def fetch(r, i):
    flags = " ".join(r.sample(FLAGS, r.randint(0, 4)))
    refs = b"References: " + b" ".join(
        b"<r%d.%d@example.com>" % (i, k) for k in range(r.randint(1, 4))) + b"\r\n\r\n"
    preview = b" ".join(r.choice(WORDS).encode() for _ in range(r.randint(10, 40)))
    return b"".join([
        b"* %d FETCH (UID %d FLAGS (%s) RFC822.SIZE %d INTERNALDATE " % (
            i, 1000 + i * 3, flags.encode(), r.randint(500, 2000000)),
        b'"%02d-%s-2024 %02d:%02d:%02d +0000" ENVELOPE ' % (
            r.randint(1, 28), r.choice(MONTHS).encode(), r.randint(0, 23),
            r.randint(0, 59), r.randint(0, 59)),
        envelope(r, i), b" BODYSTRUCTURE ", bodystructure(r),
        b" BODY[HEADER.FIELDS (REFERENCES)] ", literal(refs),
        b" BODY[TEXT]<0> ", literal(preview), b")\r\n"])


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 8)
    with open(out, "wb") as f:
        for i in range(1, count + 1):
            f.write(fetch(r, i))
        f.write(b"A0001 OK FETCH completed\r\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Differential test of the mailwire message builder against Python's email
package (stdlib only).

Builds seeded random messages with mw-compose (the driver), parses each one
with email.message_from_bytes(policy=email.policy.default) and checks that
Python sees the structure mw-compose's rules promise, the same filenames,
decoded display names and subject, and the same decoded body bytes, with no
parser defects.

usage: diff_build.py PATH/TO/mw-compose [--count N] [--seed S]
"""
import argparse
import email
import email.policy
import os
import random
import subprocess
import sys
import tempfile

WORDS = ["Hello", "Grüße", "naïve", "café", "日本語", "x", "Re:", "€uro",
         "plain", "=?utf-8?q?not?=", "a" * 90, "tab\there", "Ünïcödé",
         "quote\"d", "semi;colon", "(paren)"]
NAMES = ["", "Alice", "Bob Smith", "Zoë Ünïcode", "O'Brien, Pat",
         "日本 太郎", "Dr. Who"]
# (Names that look like encoded words are not used: mw-compose reads its
# address options as a mail reader would and decodes them. The builder's
# own handling of such names is covered by tests/fuzz/fuzz_msg_build.c.)
EXTS = {".txt": "text/plain", ".bin": "application/octet-stream",
        ".png": "image/png", ".pdf": "application/pdf", "": None,
        ".html": "text/html"}
FILE_STEMS = ["a", "report 2024", "données é", "日本語のファイル", "x" * 70,
              "naïve-file-with-a-rather-long-name-ünïcödé-" * 2, "=?x?="]


def rand_text(r, n):
    out = []
    for _ in range(n):
        k = r.randrange(20)
        if k == 0:
            out.append("\n")
        elif k == 1:
            out.append(r.choice(["é", "€", "日", "ß"]))
        elif k == 2:
            out.append(r.choice(["\nFrom ", "\n.", "\n--=_", " \n", "=", "\t"]))
        else:
            out.append(chr(r.randrange(32, 127)))
    return "".join(out).encode("utf-8")


def rand_content(r, text):
    kind = r.randrange(4)
    n = r.choice([0, 1, 10, 100, 2000, 20000])
    if text or kind < 2:
        data = rand_text(r, n)
        if kind == 1:
            data = data.decode().encode("utf-8")  # mostly ASCII
        if r.randrange(3) == 0:
            data += b"\n"
        return data
    if kind == 2:
        return bytes(r.randrange(256) for _ in range(n))
    return ("é" * n).encode("utf-8")


def fix(s):
    """Raw UTF-8 headers (SMTPUTF8) come back from Python's bytes parser as
    surrogate escapes; undo that before comparing."""
    try:
        return s.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return s


def canonical(data):
    """Text is compared with line ends normalised (the builder writes CRLF)."""
    return data.replace(b"\r\n", b"\n")


def addr(r, i, domain):
    name = r.choice(NAMES)
    a = f"user{i}@{domain}"
    if not name:
        return a, "", a
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{a}>', name, a


def run_one(tool, r, workdir, index):
    d = os.path.join(workdir, str(index))
    os.mkdir(d)
    args = [tool, "--date", "Mon, 02 Jan 2023 03:04:05 +0000",
            "--message-id", f"<m{index}@example.org>", "--seed", str(index)]
    if r.randrange(4) == 0:
        args.append("--smtputf8")
    frm, from_name, _ = addr(r, 0, "example.org")
    args += ["--from", frm]
    to = [addr(r, i + 1, "example.com") for i in range(r.randrange(3))]
    for spec, _, _ in to:
        args += ["--to", spec]
    subject = " ".join(r.choice(WORDS) for _ in range(r.randrange(1, 5)))
    args += ["--subject", subject]
    expect_parts = []  # (content_type, filename, bytes, is_text)

    def write_file(name, data):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    text = html = None
    if r.randrange(4):
        text = rand_content(r, True)
        args += ["--text", write_file("body.txt", text)]
    if r.randrange(3) == 0:
        html = b"<p>" + rand_content(r, True) + b"</p>\n"
        args += ["--html", write_file("body.html", html)]
    inlines, attachments = [], []
    for kind, count in (("--inline", r.choice([0, 0, 1, 2])),
                        ("--attach", r.choice([0, 1, 1, 2, 3]))):
        for k in range(count):
            ext = r.choice(list(EXTS))
            name = f"{r.choice(FILE_STEMS)}{len(inlines) + len(attachments)}{ext}"
            ctype = EXTS[ext] or "application/octet-stream"
            data = rand_content(r, ctype.startswith("text/"))
            path = write_file(name, data)
            args += [kind, path]
            (inlines if kind == "--inline" else attachments).append(
                (ctype, name, data))

    # The structure mw-compose promises (see its --help).
    alt = text is not None and html is not None
    rel = bool(inlines)
    mixed = bool(attachments)
    tree = []
    if mixed:
        tree.append(("multipart/mixed", None, None))
    if rel:
        tree.append(("multipart/related", None, None))
    if alt:
        tree.append(("multipart/alternative", None, None))
    if text is not None:
        tree.append(("text/plain", None, text))
    elif html is None and (not mixed or rel):
        tree.append(("text/plain", None, b""))
    if html is not None:
        tree.append(("text/html", None, html))
    tree += inlines
    tree += attachments

    raw = subprocess.run(args, stdout=subprocess.PIPE, check=True).stdout
    errors = []
    for line in raw.split(b"\r\n")[:-1]:
        if b"\n" in line or b"\r" in line or len(line) > 998:
            errors.append("line without CRLF or longer than 998")
            break
    m = email.message_from_bytes(raw, policy=email.policy.default)
    if fix(str(m["subject"])) != subject:
        errors.append(f"subject {str(m['subject'])!r} != {subject!r}")
    got_from = m["from"].addresses[0]
    if fix(got_from.display_name) != from_name:
        errors.append(f"from name {got_from.display_name!r} != {from_name!r}")
    got_to = [a.addr_spec for a in m["to"].addresses] if m["to"] else []
    if got_to != [a for _, _, a in to]:
        errors.append(f"to {got_to} != {[a for _, _, a in to]}")
    got_names = ([fix(a.display_name) for a in m["to"].addresses]
                 if m["to"] else [])
    if got_names != [n for _, n, _ in to]:
        errors.append(f"to names {got_names} != {[n for _, n, _ in to]}")
    parts = list(m.walk())
    if len(parts) != len(tree):
        errors.append(f"{len(parts)} parts, want {len(tree)}: "
                      f"{[p.get_content_type() for p in parts]} vs "
                      f"{[t[0] for t in tree]}")
    for p, (ctype, fname, data) in zip(parts, tree):
        if p.defects:
            errors.append(f"{ctype}: defects {p.defects}")
        if p.get_content_type() != ctype:
            errors.append(f"type {p.get_content_type()} != {ctype}")
            continue
        if fname is not None and p.get_filename() != fname:
            errors.append(f"filename {p.get_filename()!r} != {fname!r}")
        if data is None:
            continue
        body = p.get_payload(decode=True)
        if ctype.startswith("text/"):
            body, data = canonical(body), canonical(data)
        if body != data:
            errors.append(f"{ctype} {fname!r}: body differs "
                          f"({len(body)} vs {len(data)} bytes)")
    return errors, args


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    opts = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for i in range(opts.count):
            r = random.Random(opts.seed * 1000003 + i)
            errors, args = run_one(opts.tool, r, work, i)
            if errors:
                failures += 1
                if failures <= 10:
                    print(f"message {i}: {args}", file=sys.stderr)
                    for e in errors:
                        print(f"  {e}", file=sys.stderr)
    print(f"diff_build: {opts.count - failures}/{opts.count} messages agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Python's email package building the benchmark message; prints the best
time in seconds (same inputs as bench_build.c)."""
import sys
import time
from email.message import EmailMessage
from email import policy

ATTACH_LEN = 10 * 1024 * 1024
TEXT_LEN = 1024 * 1024


def inputs():
    x = 88172645463325252
    mask = (1 << 64) - 1
    out = bytearray(ATTACH_LEN)
    # Same xorshift stream as the C benchmark (slow in Python, done once).
    for i in range(ATTACH_LEN):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        out[i] = (x >> 24) & 0xFF
    line = "The quick brown fox jumps over the lazy dog; café au lait.\n"
    raw = (line.encode() * (TEXT_LEN // len(line.encode()) + 1))[:TEXT_LEN]
    return bytes(out), raw.decode("utf-8", "ignore")


def build(attach, text):
    m = EmailMessage()
    m["From"] = "Alice <alice@example.org>"
    m["To"] = "Bob <bob@example.com>"
    m["Subject"] = "Benchmark"
    m.set_content(text, cte="quoted-printable")
    m.add_attachment(attach, maintype="application", subtype="octet-stream",
                     filename="data.bin")
    return m.as_bytes(policy=policy.SMTP)


def main():
    attach, text = inputs()
    best = 1e9
    for _ in range(3):
        t = time.perf_counter()
        out = build(attach, text)
        best = min(best, time.perf_counter() - t)
    print(f"{best:.6f}")
    print(f"python output bytes: {len(out)}", file=sys.stderr)


if __name__ == "__main__":
    main()

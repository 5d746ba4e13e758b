#!/usr/bin/env python3
"""Python's email package over a benchmark corpus, doing the work the C
benchmark does: every header of every entity, every entity, every leaf
transfer-decoded.

    bench_python.py CORPUS [full|struct]

Prints one line: engine mode MB/s peak-RSS-extra-KB messages bytes.
"""
import struct
import sys
import time
from email import policy
from email.parser import BytesParser


def load(path):
    msgs = []
    with open(path, 'rb') as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack_from('<I', data, pos)
        msgs.append(data[pos + 4:pos + 4 + n])
        pos += 4 + n
    return msgs


def status_kb(key):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def reset_peak():
    """Reset the peak RSS (Linux clear_refs 5) so loading the corpus does
    not count; returns the RSS now."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        pass
    return status_kb('VmRSS:')


def run(msgs, decode):
    parser = BytesParser(policy=policy.default)
    sink = 0
    for m in msgs:
        msg = parser.parsebytes(m)
        for part in msg.walk():
            for name, value in part.raw_items():
                sink += len(name) + len(value)
            if decode and not part.is_multipart():
                body = part.get_payload(decode=True)
                if body:
                    sink += len(body)
    return sink


def main(argv):
    mode = argv[2] if len(argv) > 2 else 'full'
    msgs = load(argv[1])
    size = sum(len(m) for m in msgs)
    base = reset_peak()
    t0 = time.perf_counter()
    run(msgs, mode == 'full')
    dt = time.perf_counter() - t0
    peak = status_kb('VmHWM:')
    print('python %s %.1f %d %d %d' % (mode, size / dt / 1e6, peak - base,
                                       len(msgs), size))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

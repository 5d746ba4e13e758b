#!/usr/bin/env python3
"""Benchmark corpora for the message parsers (not a test).

    gen_bench_corpus.py OUTDIR [MEGABYTES] [SEED]

Writes OUTDIR/mixed.corpus (about MEGABYTES of mail: plain, alternative,
attachments, nested multiparts, message/rfc822, quoted-printable, base64,
encoded words in many charsets, long folded headers), OUTDIR/noatt.corpus
(its messages without attachments: header- and quoted-printable-heavy) and
OUTDIR/small.corpus (the first ~4 MB of mixed, for callgrind). A corpus
file is a sequence of messages, each preceded by its length as a 4-byte
little-endian integer.
"""
import base64
import os
import struct
import sys
sys.dont_write_bytecode = True  # keep the source tree clean

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'diff', 'msg'))
import gen_corpus  # noqa: E402

SHAPES = ['plain', 'plain', 'alternative', 'alternative', 'qp', 'words', 'qp',
          'alternative',
          'mixed', 'mixed', 'nested', 'rfc822', 'base64']
NO_ATTACHMENTS = {'plain', 'alternative', 'qp', 'words', 'base64'}


class BenchGen(gen_corpus.Gen):
    def leaf_attachment(self):
        ctype = self.r.choice(['application/octet-stream', 'application/pdf',
                               'image/jpeg', 'application/zip'])
        size = self.r.choice([500, 2000, 4000, 8000, 16000, 40000])
        raw = self.r.randbytes(size)
        return (['Content-Type: %s; name="%s.bin"' % (ctype, self.token(6)),
                 'Content-Disposition: attachment; %s' % self.filename(),
                 'Content-Transfer-Encoding: base64'],
                base64.encodebytes(raw))


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 64
    out = argv[1]
    target = int(argv[2] if len(argv) > 2 else 100) * 1000 * 1000
    seed = int(argv[3] if len(argv) > 3 else 7)
    os.makedirs(out, exist_ok=True)
    g = BenchGen(seed)
    total = 0
    i = 0
    with open(os.path.join(out, 'mixed.corpus'), 'wb') as mixed, \
            open(os.path.join(out, 'noatt.corpus'), 'wb') as noatt, \
            open(os.path.join(out, 'small.corpus'), 'wb') as small:
        while total < target:
            shape = SHAPES[i % len(SHAPES)]
            i += 1
            data = g.message(shape)
            rec = struct.pack('<I', len(data)) + data
            mixed.write(rec)
            if shape in NO_ATTACHMENTS:
                noatt.write(rec)
            if total < 4 * 1000 * 1000:
                small.write(rec)
            total += len(data)
    sys.stderr.write('%d messages, %.1f MB\n' % (i, total / 1e6))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

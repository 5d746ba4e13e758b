#!/usr/bin/env python3
"""Differential test: mw-parse against Python's email package.

    run_diff.py MW_PARSE [--seed S] [--count N] [--show N] [--allow-unused]

Generates N messages with gen_corpus.py (seeded), writes them as one
mboxrd file, runs mw-parse over it once whole and once fed 7 bytes at a
time (the two must agree exactly), runs each hand-written message of
cases/*.eml through mw-parse on its own, and compares every message's JSON
with msg_ref.py's. A disagreement fails the test unless known-differences.txt
lists it: each line there is

    ID-PATTERN  FIELD-PATTERN  reason

(fnmatch patterns; ID is the message id, e.g. g00017-digest or
case-dsn; FIELD is the JSON path that differs, e.g. subject, from,
parts.2.sha256). Entries that match nothing fail the run (unless
--allow-unused) so the file stays honest.
"""
import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
import gen_corpus  # noqa: E402
import msg_ref  # noqa: E402


def load_known(path):
    known = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                sys.exit('%s:%d: need ID-PATTERN FIELD-PATTERN reason' % (path, n))
            known.append({'id': parts[0], 'field': parts[1], 'reason': parts[2],
                          'line': n, 'used': 0})
    return known


def diff(a, b, path=''):
    """Paths where the JSON values a (mailwire) and b (Python) differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            out += diff(a.get(k, '<absent>'), b.get(k, '<absent>'),
                        path + '.' + k if path else k)
        if list(a) != list(b) and not out:
            out.append((path or '<keys>', list(a), list(b)))
        return out
    if isinstance(a, list) and isinstance(b, list) and path == 'parts':
        out = []
        for i in range(max(len(a), len(b))):
            out += diff(a[i] if i < len(a) else '<absent>',
                        b[i] if i < len(b) else '<absent>', '%s.%d' % (path, i))
        return out
    return [] if a == b else [(path, a, b)]


def run_mw(mw_parse, args, data=None):
    p = subprocess.run([mw_parse] + args, input=data, capture_output=True)
    if p.returncode != 0:
        sys.exit('mw-parse %s failed (%d): %s' % (' '.join(args), p.returncode,
                                                  p.stderr.decode(errors='replace')))
    return p.stdout.decode('utf-8').splitlines()


def start_mw(mw_parse, args, tmp, name):
    out = open(os.path.join(tmp, name + '.out'), 'wb+')
    err = open(os.path.join(tmp, name + '.err'), 'wb+')
    proc = subprocess.Popen([mw_parse] + args, stdout=out, stderr=err)
    return proc, out, err, args


def finish_mw(started):
    proc, out, err, args = started
    rc = proc.wait()
    out.seek(0)
    err.seek(0)
    if rc != 0:
        sys.exit('mw-parse %s failed (%d): %s' % (' '.join(args), rc,
                                                  err.read().decode(errors='replace')))
    lines = out.read().decode('utf-8').splitlines()
    out.close()
    err.close()
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mw_parse')
    ap.add_argument('--seed', type=int, default=20260101)
    ap.add_argument('--count', type=int, default=3000)
    ap.add_argument('--show', type=int, default=20)
    ap.add_argument('--known', default=os.path.join(HERE, 'known-differences.txt'))
    ap.add_argument('--cases', default=os.path.join(HERE, 'cases'))
    ap.add_argument('--allow-unused', action='store_true',
                    help='do not fail on known differences that match nothing '
                         '(for runs with another seed or a smaller count)')
    args = ap.parse_args()

    messages = [(mid, data) for mid, _, data in gen_corpus.generate(args.seed, args.count)]
    cases = []
    if os.path.isdir(args.cases):
        for name in sorted(os.listdir(args.cases)):
            if name.endswith('.eml'):
                with open(os.path.join(args.cases, name), 'rb') as f:
                    cases.append((name, f.read()))
    with tempfile.TemporaryDirectory() as tmp:
        box = os.path.join(tmp, 'corpus.mbox')
        with open(box, 'wb') as f:
            f.write(gen_corpus.mboxrd(gen_corpus.generate(args.seed, args.count)))
        # mw-parse runs (whole and chunked) while Python computes its side
        procs = [start_mw(args.mw_parse, ['--mbox', box], tmp, 'whole'),
                 start_mw(args.mw_parse, ['--mbox', '--chunk', '7', box], tmp,
                          'chunked')]
        python = [msg_ref.message_obj(d) for _, d in messages]
        python += [msg_ref.message_obj(d) for _, d in cases]
        whole, chunked = [finish_mw(p) for p in procs]
    if len(whole) != len(messages):
        sys.exit('mw-parse printed %d lines for %d messages' % (len(whole), len(messages)))
    bad_chunk = [m for (m, _), a, b in zip(messages, whole, chunked) if a != b]
    results = [(m, line) for (m, _), line in zip(messages, whole)]
    for name, _ in cases:
        path = os.path.join(args.cases, name)
        out = run_mw(args.mw_parse, [path])
        if run_mw(args.mw_parse, ['--chunk', '1', path]) != out:
            bad_chunk.append('case-' + name[:-4])
        results.append(('case-' + name[:-4], out[0]))

    known = load_known(args.known)
    failures, excused = [], 0
    for (mid, line), py in zip(results, python):
        mw = json.loads(line)
        for path, a, b in diff(mw, py):
            entry = next((k for k in known if fnmatch.fnmatchcase(mid, k['id'])
                          and fnmatch.fnmatchcase(path, k['field'])), None)
            if entry:
                entry['used'] += 1
                excused += 1
            else:
                failures.append((mid, path, a, b))

    for mid in bad_chunk:
        print('CHUNKING %s: --chunk output differs from whole' % mid)
    for mid, path, a, b in failures[:args.show]:
        print('DIFF %s %s\n  mailwire: %s\n  python:   %s' % (
            mid, path, json.dumps(a, ensure_ascii=False)[:300],
            json.dumps(b, ensure_ascii=False)[:300]))
    unused = [k for k in known if not k['used']]
    for k in unused:
        print('UNUSED known-differences.txt:%d %s %s' % (k['line'], k['id'], k['field']))
    by_field = {}
    for mid, path, _, _ in failures:
        key = (mid.split('-', 1)[1] if '-' in mid else mid, path.split('.')[0])
        by_field[key] = by_field.get(key, 0) + 1
    for key, n in sorted(by_field.items(), key=lambda kv: -kv[1])[:30]:
        print('  %5d  %s %s' % (n, key[0], key[1]))
    print('%d messages, %d disagreements (%d known), %d chunking mismatches' % (
        len(results), len(failures) + excused, excused, len(bad_chunk)))
    return 1 if failures or bad_chunk or (unused and not args.allow_unused) else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Reference for mw-parse: the same JSON line, computed by Python's email
package (stdlib only, policy.default).

    msg_ref.py FILE        print the JSON line of one message

The driver imports message_json() instead of starting one process per
message.
"""
import hashlib
import json
import re
import sys
from email import policy
from email.parser import BytesParser

_FOLD = re.compile(r'\r?\n(?=[ \t])')
_CONTAINERS = ('message/rfc822', 'message/global')


def _text(value):
    """A str from the parser (surrogate-escaped bytes) as clean Unicode:
    undecodable UTF-8 becomes U+FFFD, as mw-parse writes it."""
    raw = value.encode('utf-8', 'surrogateescape')
    return raw.decode('utf-8', 'replace')


def _raw_value(value):
    """Header value as stored by the parser: unfolded, trimmed."""
    return _FOLD.sub('', value).strip(' \t\r\n')


def _lower(value):
    return None if value is None else _text(str(value)).lower()


def _addresses(msg, name):
    try:
        header = msg.get(name)
        if header is None:
            return []
        addrs = header.addresses
    except Exception:  # the header registry crashed on the value
        return None
    return [[_text(a.display_name), _text(a.addr_spec)] for a in addrs]


def _date(msg):
    try:
        header = msg.get('date')
        if header is None:
            return None
        dt = header.datetime
    except Exception:
        return None
    if dt is None:
        return None
    iso = dt.strftime('%Y-%m-%dT%H:%M:%S')
    off = dt.utcoffset()
    if off is None:  # -0000: "no zone information", written as +00:00
        return iso + '+00:00'
    minutes = int(off.total_seconds()) // 60
    sign = '+' if minutes >= 0 else '-'
    minutes = abs(minutes)
    return '%s%s%02d:%02d' % (iso, sign, minutes // 60, minutes % 60)


def _subject(msg):
    try:
        header = msg.get('subject')
    except Exception:  # the header registry crashed on the value
        return '<python error>'
    return None if header is None else _text(str(header))


def _message_id(msg):
    for name, value in msg.raw_items():
        if name.lower() == 'message-id':
            return _text(_raw_value(value))
    return None


def _filename(part):
    name = part.get_filename()
    if name is None:
        return None
    return _text(name)


def _is_leaf(ctype):
    return not ctype.startswith('multipart/') and ctype not in _CONTAINERS


def _part(part, depth, out):
    ctype = part.get_content_type()
    obj = {
        'depth': depth,
        'content_type': ctype,
        'charset': _lower(part.get_param('charset')),
        'boundary': None,
        'filename': _filename(part),
        'disposition': _lower(part.get_content_disposition()),
        'transfer_encoding': None,
    }
    boundary = part.get_boundary()
    if boundary is not None:
        obj['boundary'] = _text(boundary)
    cte = part.get('content-transfer-encoding')
    if cte is not None:
        obj['transfer_encoding'] = _text(str(cte)).strip().lower()
    out.append(obj)
    if _is_leaf(ctype):
        body = part.get_payload(decode=True)
        if body is None:
            body = b''
        obj['size'] = len(body)
        obj['sha256'] = hashlib.sha256(body).hexdigest()
        return
    payload = part.get_payload()
    if isinstance(payload, list):
        for child in payload:
            _part(child, depth + 1, out)


def message_obj(data):
    msg = BytesParser(policy=policy.default).parsebytes(data)
    parts = []
    _part(msg, 0, parts)
    return {
        'headers': [[_text(n), _text(_raw_value(v))]
                    for n, v in msg.raw_items()],
        'subject': _subject(msg),
        'from': _addresses(msg, 'from'),
        'to': _addresses(msg, 'to'),
        'cc': _addresses(msg, 'cc'),
        'reply_to': _addresses(msg, 'reply-to'),
        'date': _date(msg),
        'message_id': _message_id(msg),
        'parts': parts,
    }


def message_json(data):
    return json.dumps(message_obj(data), ensure_ascii=False) + '\n'


def main(argv):
    if len(argv) != 2:
        sys.stderr.write('usage: msg_ref.py FILE\n')
        return 64
    with open(argv[1], 'rb') as f:
        data = f.read()
    sys.stdout.write(message_json(data))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

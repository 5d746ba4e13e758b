#!/usr/bin/env python3
"""Seeded generator of test messages for the mw-parse / Python differential
test: the shapes real mail has (plain, alternative, mixed with attachments,
nested multiparts, message/rfc822, digest, quoted-printable, base64,
encoded words in many charsets, RFC 2231 filenames, long folded headers,
groups, obsolete dates) and the ways it breaks (bare LF, missing final
boundary, junk after a boundary, missing MIME-Version, 8-bit headers,
header lines without a colon, bad base64).

generate(seed, count) yields (message_id, shape, bytes); the same seed and
count always give the same messages. Also usable on its own:

    gen_corpus.py SEED COUNT OUTDIR     write OUTDIR/<id>.eml
    gen_corpus.py --mbox SEED COUNT     an mboxrd file on stdout
"""
import base64
import os
import re
import quopri
import random
import sys

WORDS = ('alpha bravo charlie delta echo foxtrot golf hotel india juliet '
         'kilo lima mike november oscar papa quebec romeo sierra tango '
         'report meeting invoice budget schedule draft notes review').split()

# (charset, sample text): the charsets mailwire builds in and ones that
# need iconv (mw-parse's hook).
TEXTS = [
    ('utf-8', 'Grüße aus Köln — naïve café ✓ 日本語'),
    ('us-ascii', 'plain ascii text'),
    ('iso-8859-1', 'Déjà vu à la française'),
    ('iso-8859-15', 'Prix: 20 € net'),
    ('windows-1252', '“Smart quotes” – and … more'),
    ('iso-8859-2', 'Zażółć gęślą jaźń'),
    ('koi8-r', 'Привет, мир'),
    ('windows-1251', 'Добрый день'),
    ('iso-2022-jp', '日本語のテキスト'),
    ('shift_jis', 'こんにちは世界'),
    ('euc-jp', '東京都'),
    ('gb2312', '你好世界'),
    ('big5', '中文測試'),
    ('euc-kr', '안녕하세요'),
    ('iso-8859-7', 'Καλημέρα'),
    ('utf-8', 'emoji 🎉 party'),
]

NAMES = ['Alice Example', 'Bob', 'Dr. Carol Q. Public', "O'Brien, Pat",
         'Zoë Ångström', 'José Ñúñez', 'Jörg', 'Иван Петров', '山田太郎']
DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'xn--bcher-kva.example']


TRICKY_SUBJECTS = [
    ('glued', 'foo=?utf-8?q?glued?= bar'),
    ('glued-words', '=?utf-8?q?a?==?utf-8?q?b?='),
    ('space-in-word', '=?utf-8?q?inner space?='),
    ('space-in-b', '=?utf-8?b?invalid base64?='),
    ('split-char', '=?utf-8?q?=E2=9C?= =?utf-8?q?=93?='),
    ('language', '=?utf-8*en?q?lang?='),
    ('tab-between', '=?UTF-8?Q?=C3=A9?=\t=?UTF-8?Q?=C3=A9?='),
    ('in-parens', '(=?utf-8?q?in_parens?=)'),
    ('in-quotes', '"=?utf-8?q?in_quotes?="'),
    ('latin', '=?iso-8859-1?q?caf=E9?= and =?windows-1252?q?=80?='),
    ('empty-word', '=?utf-8?q??='),
    ('trailing-space', '  leading and trailing spaces   '),
    ('only-tab', '\t'),
    ('empty', ''),
    ('tab-inside', 'tab\tinside'),
    ('mixed', '=?utf-8?Q?mixed?= plain =?utf-8?B?w6k=?='),
    ('ends-encoded', 'ends with encoded =?utf-8?q?word?='),
    ('gb2312', '=?gb2312?b?xOO6ww==?='),
    ('unknown-charset', '=?unknown-8bit?q?caf=E9?='),
]

TRICKY_FIELDS = [
    'X-Empty:',
    'X-Spaces:    ',
    'X-Folded-Empty:\n \n next',
    'X-Trailing: value   ',
    'X-Tab:\tvalue',
    'X-Colon-In-Value: a: b: c',
    'X-No-Space:value',
    'X-Multi-Fold: one\n\ttwo\n  three',
    'Name With Space: value',
    'X-Weird-Name!#$%: v',
]


# Structures where parsers disagree: boundary prefixes, nested equal
# boundaries, parts without headers, CR-only line ends, ... Each is the
# Content-Type header(s) and the body.
MIME_TRAPS = {
    'prefix-boundary': (
        'Content-Type: multipart/mixed; boundary="b"',
        b'--b\nContent-Type: multipart/alternative; boundary="bb"\n\n'
        b'--bb\n\ninner one\n--bb\n\ninner two\n--bb--\n--b\n\nouter two\n--b--\n'),
    'same-boundary-nested': (
        'Content-Type: multipart/mixed; boundary="x"',
        b'--x\nContent-Type: multipart/mixed; boundary="x"\n\n--x\n\none\n--x--\n'
        b'--x\n\ntwo\n--x--\n'),
    'no-headers-part': (
        'Content-Type: multipart/mixed; boundary=n',
        b'--n\n\n--n\n\nsecond\n--n--\n'),
    'empty-multipart': (
        'Content-Type: multipart/mixed; boundary=e',
        b'--e--\n'),
    'close-then-more': (
        'Content-Type: multipart/mixed; boundary=c',
        b'--c\n\none\n--c--\n--c\n\nafter close\n--c--\n'),
    'boundary-in-preamble-text': (
        'Content-Type: multipart/mixed; boundary=p',
        b'preamble mentions --p inline\n  --p indented\n--p\n\nbody\n--p--\n'),
    'quoted-boundary-space': (
        'Content-Type: multipart/mixed; boundary="with space"',
        b'--with space\n\nbody\n--with space--\n'),
    'boundary-param-trailing-ws': (
        'Content-Type: multipart/mixed; boundary="t"  ',
        b'--t\n\nbody\n--t--\n'),
    'uppercase-type': (
        'Content-Type: MULTIPART/Mixed; BOUNDARY="u"\nContent-Transfer-Encoding: 7BIT',
        b'--u\nContent-Type: TEXT/HTML; CHARSET=UTF-8\n\n<b>x</b>\n--u--\n'),
    'cr-only': (
        'Content-Type: text/plain',
        b'line one\rline two\rlast line\n'),
    'crlf-boundary-mix': (
        'Content-Type: multipart/mixed; boundary=m',
        b'--m\r\nContent-Type: text/plain\r\n\r\ncrlf part\r\n--m\n\nlf part\n--m--\r\n'),
    'message-global': (
        'Content-Type: multipart/mixed; boundary=g',
        '--g\nContent-Type: message/global\n\nFrom: Åsa <åsa@exämple.se>\n'
        'Subject: グローバル\n\nbody é\n--g--\n'.encode()),
    'rfc822-no-headers': (
        'Content-Type: message/rfc822',
        b'\njust a body\n'),
    'rfc822-base64': (
        'Content-Type: message/rfc822\nContent-Transfer-Encoding: base64',
        base64.encodebytes(b'Subject: encoded inner\n\ninner body\n')),
    'digest-nested-multipart': (
        'Content-Type: multipart/digest; boundary=d',
        b'--d\nContent-Type: multipart/mixed; boundary=i\n\n--i\n\nin\n--i--\n'
        b'--d\n\nSubject: default rfc822\n\nmsg\n--d--\n'),
    'delivery-status-leaf': (
        'Content-Type: message/delivery-status',
        b'Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; y@z\nStatus: 5.0.0\n'),
    'qp-soft-break-at-end': (
        'Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable',
        b'soft break at the very end=\n'),
    'qp-crlf': (
        'Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable',
        b'a=0D=0Ab\r\nc=\r\nd\r\n'),
    'base64-url-chars': (
        'Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64',
        b'QU-_REVG\n'),
    'cte-uppercase-spaces': (
        'Content-Type: text/plain\nContent-Transfer-Encoding:  Base64  ',
        b'QUJD\n'),
    'cte-unknown': (
        'Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode',
        b'begin 644 f\n#04)#\n`\nend\n'),
    'two-content-types': (
        'Content-Type: text/html\nContent-Type: multipart/mixed; boundary=z',
        b'--z\n\npart\n--z--\n'),
    'charset-quoted-mixed-case': (
        'Content-Type: text/plain; Charset="ISO-8859-1"; format=flowed',
        b'caf\xe9\n'),
    'filename-both': (
        'Content-Type: application/pdf; name="ct.pdf"\n'
        'Content-Disposition: attachment; filename="cd.pdf"',
        b'%PDF\n'),
    'disposition-no-type': (
        'Content-Type: text/plain\nContent-Disposition: ; filename="x.txt"',
        b'x\n'),
    'param-semicolon-quoted': (
        'Content-Type: multipart/mixed; boundary="a;b"; charset=x',
        b'--a;b\n\nin\n--a;b--\n'),
}


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    # -- small pieces ----------------------------------------------------

    def words(self, lo, hi):
        return ' '.join(self.r.choice(WORDS) for _ in range(self.r.randint(lo, hi)))

    def token(self, n=8):
        alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
        return ''.join(self.r.choice(alphabet) for _ in range(n))

    def boundary(self):
        kind = self.r.randint(0, 3)
        if kind == 0:
            return '----=_Part_%d_%d.%d' % (self.r.randint(1, 99999),
                                           self.r.randint(1, 1 << 30),
                                           self.r.randint(1, 1 << 40))
        if kind == 1:
            return '000000000000' + self.token(16)
        if kind == 2:
            return '=_' + self.token(20)
        return 'b' + self.token(6)

    def encoded_word(self, text=None, charset=None):
        if text is None:
            charset, text = self.r.choice(TEXTS)
        raw = text.encode(charset)
        if self.r.random() < 0.5:
            return '=?%s?B?%s?=' % (charset, base64.b64encode(raw).decode())
        q = ''.join(chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122)
                    else ('_' if b == 32 else '=%02X' % b) for b in raw)
        return '=?%s?Q?%s?=' % (charset.upper() if self.r.random() < 0.3 else charset, q)

    def phrase(self):
        k = self.r.randint(0, 5)
        if k == 0:
            return self.r.choice(NAMES[:4]).replace(',', '').replace("'", '')
        if k == 1:
            return '"%s"' % self.r.choice(NAMES).replace('"', '')
        if k == 2:
            return self.encoded_word()
        if k == 3:
            return '"Smith, John \\"JJ\\""'
        if k == 4:
            return self.encoded_word('Zoë Ångström', 'iso-8859-1')
        return ''

    def addr_spec(self):
        local = self.r.choice(['john', 'j.doe', 'info+tag', 'a_b', 'x'])
        if self.r.random() < 0.05:
            local = '"john doe"'
        return '%s@%s' % (local, self.r.choice(DOMAINS))

    def mailbox(self):
        name = self.phrase()
        spec = self.addr_spec()
        k = self.r.randint(0, 5)
        if not name or k == 0:
            return spec if k else '%s (%s)' % (spec, self.words(1, 2))
        return '%s <%s>' % (name, spec)

    def address_list(self, n=None):
        n = n or self.r.randint(1, 4)
        items = [self.mailbox() for _ in range(n)]
        if self.r.random() < 0.15:
            members = ', '.join(self.mailbox() for _ in range(self.r.randint(0, 2)))
            items.append('Team %s: %s;' % (self.token(3), members))
        return ', '.join(items)

    def date(self):
        days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
        months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
                  'Sep', 'Oct', 'Nov', 'Dec']
        y = self.r.randint(1995, 2030)
        mo = self.r.randint(1, 12)
        d = self.r.randint(1, 28)
        hh, mm, ss = self.r.randint(0, 23), self.r.randint(0, 59), self.r.randint(0, 59)
        import datetime
        dn = days[datetime.date(y, mo, d).weekday()]
        zone = self.r.choice(['+0000', '-0000', '+0900', '-0700', '+0530',
                              '+0100', '-1100', '+1400'])
        k = self.r.randint(0, 9)
        if k == 0:  # obsolete: two-digit year, named zone
            return '%d %s %02d %02d:%02d:%02d %s' % (
                d, months[mo - 1], y % 100, hh, mm, ss,
                self.r.choice(['GMT', 'UT', 'EST', 'EDT', 'PST', 'PDT', 'CST', 'MDT']))
        if k == 1:  # missing seconds, no day name
            return '%d %s %d %02d:%02d %s' % (d, months[mo - 1], y, hh, mm, zone)
        if k == 2:  # extra whitespace, comment
            return '%s,  %d  %s  %d  %02d:%02d:%02d  %s (%s)' % (
                dn, d, months[mo - 1], y, hh, mm, ss, zone, 'comment')
        if k == 3:
            return 'garbage date %s' % self.token(5)
        return '%s, %d %s %d %02d:%02d:%02d %s' % (dn, d, months[mo - 1], y,
                                                   hh, mm, ss, zone)

    def tricky_date(self, variant):
        months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
                  'Sep', 'Oct', 'Nov', 'Dec']
        d, mo = self.r.randint(1, 28), self.r.choice(months)
        hh, mm, ss = self.r.randint(0, 23), self.r.randint(0, 59), self.r.randint(0, 59)
        t = '%02d:%02d:%02d' % (hh, mm, ss)
        return {
            'year2': '%d %s %02d %s +0000' % (
                d, mo, self.r.choice([self.r.randint(0, 49), self.r.randint(69, 99)]), t),
            'year2-50-68': '%d %s %02d %s +0000' % (d, mo, self.r.randint(50, 68), t),
            'year3': '%d %s %03d %s +0000' % (d, mo, self.r.randint(100, 199), t),
            'hour1': '%d %s 2021 %d:%02d:%02d -0500' % (d, mo.lower(), hh % 10, mm, ss),
            'military': '%d %s 2021 %s %s' % (d, mo, t, self.r.choice(['Z', 'A', 'M', 'N', 'Y'])),
            'unknown-zone': '%d %s 2021 %s %s' % (d, mo, t, self.r.choice(['JST', 'XYZ', 'CET'])),
            'zone-comment': 'Mon, %d %s 2021 %s +0100 (CET)' % (d, mo, t),
            'out-of-range': '%d %s 2021 %02d:%02d:%02d +0000' % (
                self.r.choice([0, 32]), mo, self.r.choice([24, 25]), mm, self.r.choice([60, 61])),
            'leap-second': '30 Jun 2015 23:59:60 +0000',
            'wrong-day-name': 'Fri, 3 Jan 2021 10:00:00 +0000',
            'zone-2359': '%d %s 2021 %s +2359' % (d, mo, t),
            'zone-2digit': '%d %s 2021 %s +%02d' % (d, mo, t, self.r.randint(25, 99)),
            'zone-minutes60': '%d %s 2021 %s -1260' % (d, mo, t),
            'zone-unsigned': '%d %s 2021 %s 0100' % (d, mo, t),
            'zone-colon': '%d %s 2021 %s +01:00' % (d, mo, t),
            'dots': '%d %s 2021 %02d.%02d.%02d +0000' % (d, mo, hh, mm, ss),
        }[variant]

    TRICKY_ADDRS = [
        ('empty-group', 'undisclosed-recipients:;'),
        ('bare-local', 'john'),
        ('dangling-at', 'john@'),
        ('no-local', '@example.com'),
        ('null-path', '<>'),
        ('angle-only', '<john@example.com>'),
        ('unclosed-angle', 'John Doe <john@example.com'),
        ('comment-in-name', 'John (comment) Doe <john@example.com>'),
        ('trailing-comment', '"Doe, John" <john@example.com> (trailing comment)'),
        ('unclosed-quote', '"unterminated <john@example.com>'),
        ('comment-name', 'john@example.com (John Doe)'),
        ('empty-element', 'a@b.example, , c@d.example'),
        ('group', 'Group: a@b.example, "x" <c@d.example>;, e@f.example'),
        ('empty-quoted-name', '"" <empty-name@example.com>'),
        ('utf8', 'Jörg <jörg@exämple.com>'),
        ('ew-name', '=?utf-8?b?w7xiZXI=?= <u@example.com>'),
        ('ew-in-quotes', '"=?utf-8?b?w7xiZXI=?=" <quoted-ew@example.com>'),
        ('ew-glued', 'name=?utf-8?q?x?= <glued@example.com>'),
        ('escapes', '"a\\\\b\\"c" <esc@example.com>'),
        ('dot-end', 'john.@example.com'),
        ('dot-start', '.john@example.com'),
        ('dot-dot', 'jo..hn@example.com'),
        ('domain-literal', 'john@[127.0.0.1]'),
        ('spaced', 'john @ example . com'),
        ('route', 'Mary Smith <@node.test:mary@example.net>'),
        ('route-only', '<@a.example,@b.example:route@c.example>'),
    ]

    def subject(self):
        k = self.r.randint(0, 6)
        if k == 0:
            return '%s %s' % (self.encoded_word(), self.encoded_word())
        if k == 1:
            return 'Re: %s %s end' % (self.words(1, 3), self.encoded_word())
        if k == 2:  # long, folds
            return self.fold(self.words(20, 40), 12)
        if k == 3:
            return '[list] %s' % self.words(1, 6)
        return self.words(1, 8)

    def fold(self, text, prefix):
        """Fold text at spaces so no line exceeds 78 columns."""
        out, col = [], prefix
        for w in text.split(' '):
            if out and col + 1 + len(w) > 78:
                out.append('\n ' + w)
                col = 1 + len(w)
            else:
                out.append((' ' if out else '') + w)
                col += len(w) + (1 if len(out) > 1 else 0)
        return ''.join(out)

    # -- bodies ----------------------------------------------------------

    def text_body(self, lines=None):
        lines = lines or self.r.randint(1, 30)
        out = []
        for _ in range(lines):
            k = self.r.random()
            if k < 0.1:
                out.append('')
            elif k < 0.2:
                out.append(self.words(25, 40))  # long line
            else:
                out.append(self.words(1, 12))
        return '\n'.join(out) + '\n'

    def leaf_text(self, subtype='plain', disposition=None):
        """Headers and body of a text leaf, encoded one of several ways."""
        charset, sample = self.r.choice(TEXTS)
        body = self.text_body()
        if self.r.random() < 0.5:
            body = sample + '\n' + body
        if subtype == 'html':
            body = '<html><body><p>%s</p></body></html>\n' % body.replace('\n', '<br>\n')
        raw = body.encode(charset, 'replace')
        cte = self.r.choice(['7bit', '8bit', 'quoted-printable', 'base64', None])
        if cte in ('7bit', None) and any(b >= 0x80 for b in raw):
            cte = self.r.choice(['quoted-printable', 'base64', '8bit'])
        hdrs = ['Content-Type: text/%s; charset=%s' % (
            subtype, self.r.choice(['"%s"' % charset, charset, charset.upper()]))]
        if cte:
            hdrs.append('Content-Transfer-Encoding: %s' % (
                cte.upper() if self.r.random() < 0.2 else cte))
        if disposition:
            hdrs.append('Content-Disposition: %s' % disposition)
        return hdrs, self.encode_body(raw, cte)

    def encode_body(self, raw, cte):
        if cte == 'base64':
            enc = base64.encodebytes(raw)
            return enc
        if cte == 'quoted-printable':
            return quopri.encodestring(raw)
        return raw

    def filename(self):
        k = self.r.randint(0, 4)
        ext = self.r.choice(['pdf', 'bin', 'png', 'txt', 'zip'])
        if k == 0:
            return 'filename="%s.%s"' % (self.token(6), ext)
        if k == 1:  # RFC 2231 with charset
            name = self.r.choice(['résumé', 'Grüße', 'naïve café', '日本語'])
            enc = ''.join(c if c.isalnum() and ord(c) < 128 else
                          ''.join('%%%02X' % b for b in c.encode('utf-8'))
                          for c in name)
            return "filename*=UTF-8''%s.%s" % (enc, ext)
        if k == 2:  # RFC 2231 continuations
            base = self.token(30)
            return 'filename*0="%s"; filename*1="%s.%s"' % (base[:15], base[15:], ext)
        if k == 3:
            return "filename*=iso-8859-1'en'%s.%s" % ('r%E9sum%E9', ext)
        return 'filename=%s.%s' % (self.token(5), ext)

    def leaf_attachment(self):
        ctype = self.r.choice(['application/octet-stream', 'application/pdf',
                               'image/png', 'application/zip', 'text/csv'])
        size = self.r.choice([0, 1, 2, 3, 57, 100, 1000, 5000, 20000])
        raw = bytes(self.r.getrandbits(8) for _ in range(size))
        fn = self.filename()
        hdrs = []
        if self.r.random() < 0.3:
            hdrs.append('Content-Type: %s; name="%s.dat"' % (ctype, self.token(4)))
        else:
            hdrs.append('Content-Type: %s' % ctype)
        if self.r.random() < 0.85:
            hdrs.append('Content-Disposition: attachment; %s' % fn)
        hdrs.append('Content-Transfer-Encoding: base64')
        return hdrs, base64.encodebytes(raw)

    # -- structures ------------------------------------------------------

    def multipart(self, subtype, children, boundary=None, close=True,
                  junk=False, preamble=True, epilogue=True):
        b = boundary or self.boundary()
        token = all(c.isalnum() or c in "!#$%&'*+-.^_`{|}~" for c in b)
        q = self.r.choice(['"%s"' % b, b]) if token else '"%s"' % b
        hdrs = ['Content-Type: multipart/%s; boundary=%s' % (subtype, q)]
        body = b''
        if preamble and self.r.random() < 0.5:
            body += b'This is a multi-part message in MIME format.\n\n'
        for ch_hdrs, ch_body in children:
            line = b'--' + b.encode()
            if junk and self.r.random() < 0.5:
                line += b' junk'
            elif self.r.random() < 0.1:
                line += b'  '
            body += line + b'\n' + self.entity_bytes(ch_hdrs, ch_body)
            if not body.endswith(b'\n'):
                body += b'\n'
        if close:
            body += b'--' + b.encode() + b'--\n'
            if epilogue and self.r.random() < 0.3:
                body += b'epilogue text\n'
        return hdrs, body

    def entity_bytes(self, hdrs, body):
        return ('\n'.join(hdrs) + '\n\n').encode('utf-8') + body

    def alternative(self):
        return self.multipart('alternative', [self.leaf_text('plain'),
                                              self.leaf_text('html')])

    def mixed(self, depth=0):
        kids = [self.alternative() if depth < 2 and self.r.random() < 0.4
                else self.leaf_text('plain', self.r.choice([None, 'inline']))]
        for _ in range(self.r.randint(1, 3)):
            k = self.r.random()
            if k < 0.6:
                kids.append(self.leaf_attachment())
            elif k < 0.75 and depth < 3:
                kids.append(self.mixed(depth + 1))
            elif k < 0.9 and depth < 3:
                kids.append(self.rfc822(depth + 1))
            else:
                kids.append(self.leaf_text('plain', 'attachment; filename="notes.txt"'))
        return self.multipart(self.r.choice(['mixed', 'mixed', 'related']), kids)

    def rfc822(self, depth):
        inner_hdrs = self.top_headers()
        if depth < 3 and self.r.random() < 0.5:
            h, b = self.mixed(depth + 1)
        else:
            h, b = self.leaf_text()
        return ['Content-Type: message/rfc822'], self.entity_bytes(inner_hdrs + h, b)

    def digest(self):
        kids = []
        for _ in range(self.r.randint(1, 4)):
            h, b = self.leaf_text()
            kids.append(([], self.entity_bytes(self.top_headers() + h, b)))
        return self.multipart('digest', kids)

    def top_headers(self):
        hdrs = ['From: %s' % self.mailbox()]
        if self.r.random() < 0.9:
            to = self.address_list()
            hdrs.append('To: %s' % (self.fold(to, 4) if len(to) > 70 else to))
        if self.r.random() < 0.3:
            hdrs.append('Cc: %s' % self.address_list())
        if self.r.random() < 0.15:
            hdrs.append('Reply-To: %s' % self.mailbox())
        if self.r.random() < 0.95:
            hdrs.append('Subject: %s' % self.subject())
        if self.r.random() < 0.95:
            hdrs.append('Date: %s' % self.date())
        if self.r.random() < 0.9:
            hdrs.append('Message-ID: <%s@%s>' % (self.token(12), self.r.choice(DOMAINS)))
        if self.r.random() < 0.3:
            hdrs.append('References: ' + self.fold(' '.join(
                '<%s@example.com>' % self.token(10) for _ in range(self.r.randint(2, 8))), 12))
        if self.r.random() < 0.3:
            hdrs.append('Received: from %s (%s [192.0.2.%d])\n\tby mx.example.com '
                        'with ESMTPS id %s;\n\t%s' % (self.token(5), self.token(5),
                                                      self.r.randint(1, 254), self.token(10),
                                                      self.date()))
        if self.r.random() < 0.2:
            hdrs.append('X-Long: ' + self.fold(self.words(30, 60), 8))
        self.r.shuffle(hdrs)
        hdrs.append('MIME-Version: 1.0')
        return hdrs

    # -- whole messages --------------------------------------------------

    SHAPES = ['plain', 'plain', 'alternative', 'mixed', 'mixed', 'nested',
              'rfc822', 'digest', 'qp', 'base64', 'words',
              'bare-lf', 'no-final-boundary', 'boundary-junk',
              'no-mime-version', '8bit-header', 'no-colon', 'bad-base64',
              'dsn', 'no-boundary-param', 'filename-words', 'nul',
              'dup-headers', 'empty-body', 'truncated', 'leading-continuation',
              'long-line-header', 'ws-boundary', 'addr-obsolete', 'bad-qp',
              'base64-after-pad', 'base64-bad-length', 'adjacent-words',
              'tricky-dates', 'tricky-addr', 'tricky-headers', 'mime-traps']

    DATE_VARIANTS = ['year2', 'year2-50-68', 'year3', 'hour1', 'military', 'unknown-zone',
                     'zone-comment', 'out-of-range', 'leap-second',
                     'wrong-day-name', 'zone-2359', 'zone-2digit',
                     'zone-minutes60', 'zone-unsigned', 'zone-colon', 'dots']

    def variants(self, shape):
        """Named variants of the tricky shapes (part of the message id)."""
        if shape == 'tricky-dates':
            return self.DATE_VARIANTS
        if shape == 'tricky-addr':
            return [n for n, _ in self.TRICKY_ADDRS]
        if shape == 'tricky-headers':
            return [n for n, _ in TRICKY_SUBJECTS]
        if shape == 'mime-traps':
            return sorted(MIME_TRAPS)
        return None

    def message(self, shape, variant=None):
        top = self.top_headers()
        if shape in ('plain', 'qp', 'base64', 'words', 'bare-lf', '8bit-header',
                     'no-colon', 'no-mime-version', 'bad-base64', 'nul',
                     'dup-headers', 'leading-continuation', 'long-line-header',
                     'addr-obsolete', 'bad-qp', 'base64-after-pad',
                     'base64-bad-length', 'adjacent-words', 'tricky-dates',
                     'tricky-addr', 'tricky-headers'):
            h, b = self.leaf_text()
            if shape in ('qp', 'base64'):
                charset, text = self.r.choice(TEXTS)
                raw = (text + '\n' + self.text_body()).encode(charset, 'replace')
                h = ['Content-Type: text/plain; charset=%s' % charset,
                     'Content-Transfer-Encoding: %s' % ('quoted-printable' if shape == 'qp' else 'base64')]
                b = self.encode_body(raw, 'quoted-printable' if shape == 'qp' else 'base64')
        elif shape == 'alternative':
            h, b = self.alternative()
        elif shape in ('mixed', 'bad-base64-att'):
            h, b = self.mixed()
        elif shape == 'nested':
            h, b = self.mixed(1)
            h, b = self.multipart('mixed', [(h, b), self.leaf_attachment()])
        elif shape == 'rfc822':
            h, b = self.multipart('mixed', [self.leaf_text(), self.rfc822(1)])
        elif shape == 'digest':
            h, b = self.digest()
        elif shape == 'no-final-boundary':
            h, b = self.multipart('mixed', [self.leaf_text(), self.leaf_attachment()],
                                  close=False)
        elif shape == 'dsn':
            status = ('Reporting-MTA: dns; mx.example.com\n\n'
                      'Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n'
                      % self.addr_spec()).encode()
            h, b = self.multipart('report; report-type=delivery-status', [
                self.leaf_text(), (['Content-Type: message/delivery-status'], status),
                (['Content-Type: text/rfc822-headers'],
                 self.entity_bytes(self.top_headers()[:3], b''))])
        elif shape == 'no-boundary-param':
            h, b = self.multipart('mixed', [self.leaf_text()])
            h = ['Content-Type: multipart/mixed']
        elif shape == 'filename-words':
            ah, ab = self.leaf_attachment()
            ah = [x for x in ah if not x.startswith('Content-Disposition')]
            ah.append('Content-Disposition: attachment; filename="%s"' %
                      self.encoded_word('résumé final.pdf', 'utf-8'))
            h, b = self.multipart('mixed', [self.leaf_text(), (ah, ab)])
        elif shape == 'empty-body':
            h, b = ['Content-Type: text/plain'], b''
        elif shape == 'truncated':
            h, b = self.multipart('mixed', [self.leaf_text(), self.leaf_attachment()],
                                  close=False)
            b = b[:len(b) * 2 // 3]
            b = b[:b.rfind(b'\n') + 1]
        elif shape == 'ws-boundary':
            h, b = self.multipart('alternative', [self.leaf_text(), self.leaf_text('html')])
            bd = h[0].split('boundary=')[1].strip('"').encode()
            b = b.replace(b'--' + bd + b'\n', b'--' + bd + b' \t\n')
        elif shape == 'mime-traps':
            h, b = MIME_TRAPS[variant]
            h = h.split('\n')
        elif shape == 'boundary-junk':
            h, b = self.multipart('mixed', [self.leaf_text(), self.leaf_text()],
                                  junk=True)
        else:
            raise ValueError(shape)
        if shape == 'words':
            top = [x for x in top if not x.startswith('Subject:')]
            top.append('Subject: ' + ' '.join(self.encoded_word() for _ in range(self.r.randint(1, 4))))
        if shape == 'no-mime-version':
            top = [x for x in top if not x.startswith('MIME-Version')]
        if shape == 'no-colon':
            top.insert(self.r.randint(1, len(top)), 'This line has no colon')
        if shape == 'bad-base64':
            h = [x for x in h if 'Transfer-Encoding' not in x] + ['Content-Transfer-Encoding: base64']
            good = base64.encodebytes(self.text_body().encode())
            k = self.r.randint(0, 1)
            cut = self.r.randint(0, len(good))
            if k == 0:  # garbage characters inside the stream
                b = good[:cut] + b'!*% ' + good[cut:]
            else:  # spaces and tabs inside lines
                b = good.replace(b'A', b' A\t')
        if shape == 'base64-after-pad':
            h = [x for x in h if 'Transfer-Encoding' not in x] + ['Content-Transfer-Encoding: base64']
            b = base64.encodebytes(self.words(1, 20).encode() + b'.') + b'QUJD\n'
        if shape == 'base64-bad-length':
            h = [x for x in h if 'Transfer-Encoding' not in x] + ['Content-Transfer-Encoding: base64']
            good = base64.encodebytes(self.text_body().encode())
            cut = self.r.randint(0, len(good) - 1)
            b = good[:cut] + b'Q' + good[cut:]
        if shape == 'bad-qp':
            h = [x for x in h if 'Transfer-Encoding' not in x] + ['Content-Transfer-Encoding: quoted-printable']
            b = (b'caf=E9 =3d ok =ZZ bad =\nsoft =4 end\ntrailing   \n'
                 b'raw \xe9 byte =e9 lower\n' + b'x' * 100 + b'\n=\n')
        if shape == 'nul':
            h = [x for x in h if 'Transfer-Encoding' not in x] + ['Content-Transfer-Encoding: 8bit']
            b = b'before\x00after\n' + self.text_body().encode()
            top.append('X-Nul: a\x00b')
        if shape == 'adjacent-words':
            top = [x for x in top if not x.startswith(('Cc:', 'Subject:'))]
            top += ['Subject: =?utf-8?q?J=C3=B6rg?= =?utf-8?q?_M=C3=BCller?= and '
                    '=?iso-8859-1?q?a?=\n =?iso-8859-1?q?b?= plain',
                    'Cc: =?utf-8?q?J=C3=B6rg?= =?utf-8?q?_M=C3=BCller?= <jm@example.de>']
        if shape == 'tricky-dates':
            top = [x for x in top if not x.startswith('Date:')]
            top.append('Date: ' + self.tricky_date(variant))
        if shape == 'tricky-addr':
            top = [x for x in top if not x.startswith(('To:', 'Cc:'))]
            top.append('To: ' + dict(self.TRICKY_ADDRS)[variant])
        if shape == 'tricky-headers':
            top = [x for x in top if not x.startswith('Subject:')]
            top.append('Subject: ' + dict(TRICKY_SUBJECTS)[variant])
            top.append(self.r.choice(TRICKY_FIELDS))
        if shape == 'dup-headers':
            top += ['Subject: second subject', 'From: second@example.com',
                    'Date: Mon, 1 Jan 2001 00:00:00 +0000']
        if shape == 'leading-continuation':
            top.insert(0, ' continuation before any field')
        if shape == 'long-line-header':
            top.append('X-Very-Long: ' + 'x' * 3000)
            top.append('Subject: ' + self.words(200, 300))
        if shape == 'addr-obsolete':
            top = [x for x in top if not x.startswith(('From:', 'To:', 'Cc:'))]
            top += ['From: John (the man) Doe <@route1,@route2:john@example.com>',
                    'To: "quoted \\"name\\"" <q@example.com>, (comment) plain@example.com (trailing), '
                    'Undisclosed recipients:;',
                    'Cc: Ünïcode Nämé <ü@exämple.com>, "Ann" <ann@[192.0.2.1]>']
        data = self.entity_bytes(top + h, b)
        if shape == '8bit-header':
            data = ('X-Raw: caf\u00e9 raw utf-8\nX-Latin1: '.encode() + 'déjà'.encode('latin-1') +
                    b'\n' + data)
        if shape == 'bare-lf':
            return data.replace(b'\n', b'\r\n', data.count(b'\n') // 2)
        if self.r.random() < 0.5:  # CRLF message: convert the bare LFs
            data = re.sub(rb'(?<!\r)\n', b'\r\n', data)
        return data


def generate(seed, count):
    g = Gen(seed)
    for i in range(count):
        shape = g.SHAPES[i % len(g.SHAPES)]
        names = g.variants(shape)
        if names:
            variant = names[(i // len(g.SHAPES)) % len(names)]
            yield ('g%05d-%s-%s' % (i, shape, variant), shape,
                   g.message(shape, variant))
        else:
            yield 'g%05d-%s' % (i, shape), shape, g.message(shape)


def mboxrd(messages):
    """An mboxrd file of the messages (each must end in a line end)."""
    quote = re.compile(rb'^(>*From )', re.M)
    out = []
    for mid, _, data in messages:
        if not data.endswith(b'\n'):
            raise ValueError('%s does not end in a line end' % mid)
        out.append(b'From gen@example.com Thu Jan  1 00:00:00 2026\n')
        out.append(quote.sub(rb'>\1', data))
        out.append(b'\n')
    return b''.join(out)


def main(argv):
    if len(argv) == 4 and argv[1] == '--mbox':
        sys.stdout.buffer.write(mboxrd(generate(int(argv[2]), int(argv[3]))))
        return 0
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 64
    os.makedirs(argv[3], exist_ok=True)
    for mid, _, data in generate(int(argv[1]), int(argv[2])):
        with open(os.path.join(argv[3], mid + '.eml'), 'wb') as f:
            f.write(data)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

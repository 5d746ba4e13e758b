#!/bin/bash
# mw-compose as a user runs it: golden output with fixed date, Message-ID
# and seed; the structure rules; refusal of CR/LF in every option.
set -u
M="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

cd "$T"
printf 'Hello,\nthis is the text.\n' > body.txt
printf '<p>Hello <img src="cid:dot.png@mw-compose"></p>\n' > body.html
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' > dot.png
printf 'r\xc3\xa9sum\xc3\xa9\n' > "r$(printf '\xc3\xa9')sum$(printf '\xc3\xa9').txt"
RESUME="r$(printf '\xc3\xa9')sum$(printf '\xc3\xa9').txt"
FIXED=(--date 'Mon, 02 Jan 2023 03:04:05 +0000' --message-id '<golden@example.org>' --seed 7)

# Golden text lines are LF here; the tool writes CRLF.
crlf() { sed 's/$/\r/'; }

# 1. A plain text message.
"$M" --from 'Alice <alice@example.org>' --to bob@example.com --subject Hello \
    --text body.txt "${FIXED[@]}" > out1.eml || fail "plain: exit $?"
crlf > want1.eml <<'G'
Date: Mon, 02 Jan 2023 03:04:05 +0000
From: Alice <alice@example.org>
To: bob@example.com
Subject: Hello
Message-ID: <golden@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hello,
this is the text.
G
cmp -s out1.eml want1.eml || { fail "plain golden differs"; diff want1.eml out1.eml | cat -A | head -20; }

# 2. Text + HTML + inline + attachment, non-ASCII everywhere.
"$M" --from "Zo$(printf '\xc3\xab') <zoe@example.org>" --to 'Bob <bob@example.com>' \
    --cc carol@example.net --reply-to list@example.org \
    --subject "Gr$(printf '\xc3\xbc\xc3\x9f')e" --header 'X-Mailer: mw-compose' \
    --text body.txt --html body.html --inline dot.png --attach "$RESUME" \
    "${FIXED[@]}" > out2.eml || fail "full: exit $?"
crlf > want2.eml <<'G'
Date: Mon, 02 Jan 2023 03:04:05 +0000
From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>
Reply-To: list@example.org
To: Bob <bob@example.com>
Cc: carol@example.net
Subject: =?UTF-8?B?R3LDvMOfZQ==?=
Message-ID: <golden@example.org>
X-Mailer: mw-compose
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_BIfvypmVHkdLGa5G_0000"

--=_BIfvypmVHkdLGa5G_0000
Content-Type: multipart/related; boundary="=_BIfvypmVHkdLGa5G_0001";
 type="multipart/alternative"

--=_BIfvypmVHkdLGa5G_0001
Content-Type: multipart/alternative; boundary="=_BIfvypmVHkdLGa5G_0002"

--=_BIfvypmVHkdLGa5G_0002
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hello,
this is the text.

--=_BIfvypmVHkdLGa5G_0002
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<p>Hello <img src="cid:dot.png@mw-compose"></p>

--=_BIfvypmVHkdLGa5G_0002--
--=_BIfvypmVHkdLGa5G_0001
Content-Type: image/png
Content-Disposition: inline; filename="dot.png"
Content-ID: <dot.png@mw-compose>
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUg==
--=_BIfvypmVHkdLGa5G_0001--
--=_BIfvypmVHkdLGa5G_0000
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.txt
Content-Transfer-Encoding: base64

csOpc3Vtw6kNCg==
--=_BIfvypmVHkdLGa5G_0000--
G
cmp -s out2.eml want2.eml || { fail "full golden differs"; diff want2.eml out2.eml | cat -A | head -20; }

# 3. Structure rules: the sequence of Content-Type values.
types() { "$M" --from a@example.org "${FIXED[@]}" "$@" | tr -d '\r' |
          sed -n 's/^Content-Type: \([^;]*\).*/\1/p' | tr '\n' ' '; }
check_types() {
    local want="$1"; shift
    local got; got=$(types "$@")
    [ "$got" = "$want" ] || fail "structure for [$*]: got '$got' want '$want'"
}
check_types 'text/plain ' --text body.txt
check_types 'text/html ' --html body.html
check_types 'multipart/alternative text/plain text/html ' --text body.txt --html body.html
check_types 'multipart/related text/html image/png ' --html body.html --inline dot.png
check_types 'multipart/mixed text/plain image/png ' --text body.txt --attach dot.png
check_types 'multipart/mixed multipart/related multipart/alternative text/plain text/html image/png image/png ' \
    --text body.txt --html body.html --inline dot.png --attach dot.png
check_types 'text/plain ' # no body at all: an empty text part
cp dot.png data.bin; cp body.txt notes.PDF
check_types 'multipart/mixed application/octet-stream application/pdf ' --attach data.bin --attach notes.PDF
printf 'hi\n' | "$M" --from a@example.org --text - "${FIXED[@]}" | tr -d '\r' | tail -1 | grep -qx 'hi' ||
    fail "--text - does not read stdin"

# 4. Every line ends in CRLF and is at most 998 bytes.
if LC_ALL=C grep -q $'[^\r]$' out2.eml; then fail "line without CR"; fi
[ "$(tr -d '\r' < out2.eml | awk '{ if (length($0) > 998) print }' | wc -l)" = 0 ] || fail "long line"

# 5. CR or LF in any option value: exit 65, nothing written.
refuse() {
    "$M" "$@" > ref.out 2> ref.err
    local rc=$?
    [ $rc = 65 ] || fail "injection via [$*]: exit $rc, want 65"
    [ -s ref.out ] && fail "injection via [$*]: wrote output"
}
NL=$'\n'; CR=$'\r'
refuse --from "a@example.org${NL}Bcc: x@y" --text body.txt
refuse --from a@example.org --to "b@example.org${CR}${NL}Bcc: x@y"
refuse --from a@example.org --cc "c@example.org${NL}"
refuse --from a@example.org --reply-to "r@example.org${CR}"
refuse --from a@example.org --subject "Hi${NL}Bcc: victim@example.org"
refuse --from a@example.org --header "X-A: b${CR}${NL}Bcc: x@y"
refuse --from a@example.org --date "Mon, 02 Jan 2023 03:04:05 +0000${NL}X: y"
refuse --from a@example.org --message-id "<a@b>${NL}X: y"
refuse --from a@example.org --text "body.txt${NL}"
refuse --from a@example.org --attach "dot.png${NL}Content-Type: text/html"
refuse --from a@example.org --inline "dot.png${CR}"
refuse --from a@example.org --html "body.html${NL}"

# 6. Usage errors.
"$M" --to b@example.org > /dev/null 2>&1; [ $? = 64 ] || fail "missing --from not 64"
"$M" --help > /dev/null || fail "--help"
"$M" --from a@example.org --text missing.txt > /dev/null 2>&1; [ $? = 66 ] || fail "missing file not 66"

[ $fails = 0 ] && echo "mw_compose: all checks passed"
exit $fails

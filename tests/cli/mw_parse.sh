#!/usr/bin/env bash
# mw-parse as a user runs it: exact JSON, digests, encoded words, chunking,
# mbox splitting, defects and exit codes.
#   tests/cli/mw_parse.sh PATH-TO-mw-parse
set -euo pipefail
parse=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
expect() { # expect NAME GOT WANT
    if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: got [$2] want [$3]"; fails=$((fails + 1)); fi
}
contains() { # contains NAME HAYSTACK NEEDLE
    case "$2" in *"$3"*) echo "ok   $1" ;; *) echo "FAIL $1: [$3] not in [$2]"; fails=$((fails + 1)) ;; esac
}

cat >"$tmp/simple.eml" <<'MSG'
From: Alice <alice@example.com>
To: bob@example.org
Subject:  Hello
 world
Date: Sun, 9 Apr 2023 10:00 +0900
Message-ID: <1@example.com>

Hi Bob.
MSG
hi_sha=$(printf 'Hi Bob.\n' | sha256sum | cut -d' ' -f1)
expect "simple message, exact line" "$("$parse" "$tmp/simple.eml")" \
'{"headers": [["From", "Alice <alice@example.com>"], ["To", "bob@example.org"], ["Subject", "Hello world"], ["Date", "Sun, 9 Apr 2023 10:00 +0900"], ["Message-ID", "<1@example.com>"]], "subject": "Hello world", "from": [["Alice", "alice@example.com"]], "to": [["", "bob@example.org"]], "cc": [], "reply_to": [], "date": "2023-04-09T10:00:00+09:00", "message_id": "<1@example.com>", "parts": [{"depth": 0, "content_type": "text/plain", "charset": null, "boundary": null, "filename": null, "disposition": null, "transfer_encoding": null, "size": 8, "sha256": "'"$hi_sha"'"}]}'

# 100 pseudo-random bytes, base64 in 76-column lines, as an attachment.
head -c 100 /dev/urandom >"$tmp/att.bin"
att_sha=$(sha256sum <"$tmp/att.bin" | cut -d' ' -f1)
{
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\npreamble\n--b1\n'
    printf 'Content-Type: text/plain; charset=UTF-8\n\nbody\n--b1\n'
    printf 'Content-Type: application/octet-stream; name="x.bin"\n'
    printf 'Content-Disposition: attachment; filename*=UTF-8%s%s\n' "''" 'r%C3%A9sum%C3%A9.bin'
    printf 'Content-Transfer-Encoding: BASE64\n\n'
    base64 -w 76 "$tmp/att.bin"
    printf -- '--b1\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n--b1--\n'
} >"$tmp/multi.eml"
out=$("$parse" "$tmp/multi.eml")
contains "attachment size and sha256" "$out" '"filename": "résumé.bin", "disposition": "attachment", "transfer_encoding": "base64", "size": 100, "sha256": "'"$att_sha"'"}'
contains "multipart root is a container" "$out" '"parts": [{"depth": 0, "content_type": "multipart/mixed", "charset": null, "boundary": "b1", "filename": null, "disposition": null, "transfer_encoding": null}, {"depth": 1, "content_type": "text/plain", "charset": "utf-8"'
body_sha=$(printf 'body' | sha256sum | cut -d' ' -f1)
contains "line end before a boundary is not body" "$out" '"size": 4, "sha256": "'"$body_sha"'"'
contains "embedded message root at depth + 1" "$out" '{"depth": 1, "content_type": "message/rfc822", "charset": null, "boundary": null, "filename": null, "disposition": null, "transfer_encoding": null}, {"depth": 2, "content_type": "text/plain"'

cat >"$tmp/words.eml" <<'MSG'
From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>
Cc: =?KOI8-R?B?8NLJ18XU?= <x@example.ru>, =?x-unknown?Q?abc?= <y@example.ru>
Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?= =?UTF-8?B?4pyT?=

x
MSG
out=$("$parse" "$tmp/words.eml")
contains "RFC 2047 subject (iconv charset)" "$out" '"subject": "日本語✓"'
contains "RFC 2047 display name" "$out" '"from": [["André Pirard", "PIRARD@vm1.ulg.ac.be"]]'
contains "KOI8-R name via iconv, unknown charset left as is" "$out" '"cc": [["Привет", "x@example.ru"], ["=?x-unknown?Q?abc?=", "y@example.ru"]]'

for f in simple multi words; do
    whole=$("$parse" "$tmp/$f.eml")
    for n in 1 2 7; do
        expect "$f: --chunk $n same as whole" "$("$parse" --chunk "$n" "$tmp/$f.eml")" "$whole"
    done
done

cat >"$tmp/box.mbox" <<'MSG'
From alice@example.com Sun Apr  9 10:00:00 2023
Subject: one

>From the start
>>From kept one level

From bob@example.com Sun Apr  9 11:00:00 2023
Subject: two

second
MSG
"$parse" --mbox "$tmp/box.mbox" >"$tmp/box.json"
expect "mbox gives two lines" "$(wc -l <"$tmp/box.json")" 2
one_sha=$(printf 'From the start\n>From kept one level\n' | sha256sum | cut -d' ' -f1)
contains "mbox unquotes >From and drops the separator line" "$(head -1 "$tmp/box.json")" '"subject": "one"'
contains "mbox body digest" "$(head -1 "$tmp/box.json")" '"size": 36, "sha256": "'"$one_sha"'"'
contains "mbox second message" "$(tail -1 "$tmp/box.json")" '"subject": "two"'
expect "mbox --chunk 1 same" "$("$parse" --mbox --chunk 1 "$tmp/box.mbox")" "$(cat "$tmp/box.json")"

printf 'Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nunfinished\n' >"$tmp/broken.eml"
expect "options after the file" "$("$parse" "$tmp/box.mbox" --chunk 3 --mbox)" "$(cat "$tmp/box.json")"
expect "-- ends the options" "$("$parse" --mbox -- "$tmp/box.mbox")" "$(cat "$tmp/box.json")"
out=$("$parse" --defects "$tmp/broken.eml")
contains "defects: missing final boundary" "$out" 'no-final-boundary'
contains "defects: no MIME-Version" "$out" 'no-mime-version'
contains "defects list on every part" "$out" '"transfer_encoding": null, "size": 11, "sha256": "'"$(printf 'unfinished\n' | sha256sum | cut -d' ' -f1)"'", "defects": ['
case "$("$parse" "$tmp/broken.eml")" in *defects*) expect "no defects key without --defects" present absent ;; *) expect "no defects key without --defects" absent absent ;; esac

expect "stdin input" "$("$parse" <"$tmp/simple.eml")" "$("$parse" "$tmp/simple.eml")"
set +e
"$parse" --help >/dev/null; expect "--help exits 0" $? 0
"$parse" --version | grep -q 'mailwire'; expect "--version names mailwire" $? 0
"$parse" --bogus "$tmp/simple.eml" >/dev/null 2>&1; expect "unknown option exits 64" $? 64
"$parse" --chunk 0 "$tmp/simple.eml" >/dev/null 2>&1; expect "--chunk 0 exits 64" $? 64
"$parse" a b >/dev/null 2>&1; expect "two files exit 64" $? 64
"$parse" /nonexistent/file >/dev/null 2>&1; expect "missing file exits 66" $? 66
printf 'Subject: no mbox\n\nx\n' | "$parse" --mbox >/dev/null 2>&1; expect "non-mbox input exits 65" $? 65
set -e
[ "$fails" -eq 0 ]

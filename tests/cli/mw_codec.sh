#!/usr/bin/env bash
# mw-codec as a user runs it: known answers, chunking, exit codes.
#   tests/cli/mw_codec.sh PATH-TO-mw-codec
set -euo pipefail
codec=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
expect() { # expect NAME GOT WANT
    if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: got [$2] want [$3]"; fails=$((fails + 1)); fi
}

expect "base64 RFC 4648 'foobar'" "$(printf foobar | "$codec" encode base64)" "Zm9vYmFy"
expect "base64 RFC 4648 'fooba'" "$(printf fooba | "$codec" --chunk 1 encode base64)" "Zm9vYmE="
expect "base64 decode tolerant of line breaks" "$(printf 'Zm9v\r\nYmE=' | "$codec" decode base64)" "fooba"
expect "qp encode '=' and 8-bit" "$(printf 'a=b\xe9' | "$codec" encode qp)" "a=3Db=E9"
expect "utf7 RFC 3501 example" "$(printf '~peter/mail/台北/日本語' | "$codec" --chunk 2 encode utf7)" "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
expect "utf7 decode" "$(printf 'Entw&APw-rfe' | "$codec" decode utf7)" "Entwürfe"

head -c 100000 /dev/urandom >"$tmp/random.bin"
"$codec" --chunk 4093 encode base64-mime "$tmp/random.bin" >"$tmp/r.b64"
awk 'length($0) > 77 { bad = 1 } END { exit bad }' "$tmp/r.b64" && expect "base64-mime lines <= 76" ok ok || expect "base64-mime lines <= 76" long ok
"$codec" --chunk 1 decode base64 "$tmp/r.b64" >"$tmp/r.back"
cmp -s "$tmp/random.bin" "$tmp/r.back" && expect "base64 round trip 100 kB" ok ok || expect "base64 round trip 100 kB" differs ok
"$codec" --chunk 5 encode qp-binary "$tmp/random.bin" >"$tmp/r.qp"
"$codec" --chunk 3 decode qp "$tmp/r.qp" >"$tmp/r.qpback"
cmp -s "$tmp/random.bin" "$tmp/r.qpback" && expect "qp-binary round trip 100 kB" ok ok || expect "qp-binary round trip 100 kB" differs ok

set +e
"$codec" encode nosuchcodec </dev/null >/dev/null 2>&1; expect "unknown codec exits 64" $? 64
"$codec" >/dev/null 2>&1; expect "no arguments exits 64" $? 64
printf '\xc0\xaf' | "$codec" check utf8 >/dev/null 2>"$tmp/err"; expect "overlong UTF-8 exits 65" $? 65
expect "error names the offset" "$(grep -c 'offset 0' "$tmp/err")" 1
"$codec" decode base64 /nonexistent/file >/dev/null 2>&1; expect "missing file exits 66" $? 66
"$codec" --help >/dev/null; expect "--help exits 0" $? 0
"$codec" --version | grep -q 'mailwire'; expect "--version names mailwire" $? 0
set -e
[ "$fails" -eq 0 ]

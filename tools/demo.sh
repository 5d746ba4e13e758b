#!/usr/bin/env bash
# Builds mailwire and runs the main demo: the core codecs on real files,
# streamed in odd-sized chunks, with the round trips checked.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
mw_need_packages cmake gcc make libc6-dev pkg-config

build=${MW_DEMO_BUILD:-build-demo}
cmake -S . -B "$build" -DMW_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
codec="$build/examples/mw-codec/mw-codec"
[ -x "$codec" ] || codec="$build/examples/mw-codec"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== mailwire $("$codec" --version | awk '{print $NF}') demo"
echo "-- base64 (MIME, 76 columns) of README.md, fed 7 bytes at a time:"
"$codec" --chunk 7 encode base64-mime README.md >"$tmp/readme.b64"
head -c 230 "$tmp/readme.b64"; echo " ..."
"$codec" --chunk 13 decode base64 "$tmp/readme.b64" >"$tmp/readme.back"
cmp README.md "$tmp/readme.back" && echo "   decoded back byte for byte: OK ($(wc -c <README.md) bytes)"

echo "-- quoted-printable of a UTF-8 text with trailing spaces and long lines:"
printf 'Grüße aus Zürich!   \nThis line is long enough that quoted-printable has to break it with a soft line break somewhere.\n.A dot at the start of a line\n' >"$tmp/text.txt"
"$codec" --chunk 3 encode qp "$tmp/text.txt" | tee "$tmp/text.qp"
echo
"$codec" decode qp "$tmp/text.qp" | tr -d '\r' >"$tmp/text.back"
cmp "$tmp/text.txt" "$tmp/text.back" && echo "   decoded back (CRLF -> LF): OK"

echo "-- IMAP modified UTF-7 mailbox names:"
for name in 'Entwürfe' '~peter/mail/台北/日本語' 'Tom & Jerry'; do
    enc=$(printf '%s' "$name" | "$codec" encode utf7)
    dec=$(printf '%s' "$enc" | "$codec" --chunk 1 decode utf7)
    printf '   %-28s -> %-32s -> %s\n' "$name" "$enc" "$dec"
    [ "$dec" = "$name" ] || { echo "round trip failed for $name" >&2; exit 1; }
done

echo "-- invalid input is reported with its offset (exit 65):"
set +e
printf 'ok&Jjo' | "$codec" decode utf7; rc=$?; echo
printf '\xe2\x82' | "$codec" check utf8; rc2=$?
set -e
echo "   exit codes: $rc $rc2"
[ "$rc" = 65 ] && [ "$rc2" = 65 ]
echo "== demo finished: OK"

#!/usr/bin/env bash
# mw-imap-dump as a user runs it: exact JSON for responses and commands,
# literal digests, --literals, --chunk independence, --reserialize round
# trips over the RFC examples, STARTTLS / COMPRESS stops, syntax errors
# with offsets, exit codes.
#   tests/cli/mw_imap_dump.sh PATH-TO-mw-imap-dump
set -euo pipefail
dump=$1
data=$(cd "$(dirname "$0")/../data/imap" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
expect() { # expect NAME GOT WANT
    if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: got [$2] want [$3]"; fails=$((fails + 1)); fi
}

printf '* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\na1 OK [READ-WRITE] done\r\n* 3 EXISTS\r\n+ go\r\n' >"$tmp/s1"
expect "status responses" "$("$dump" --server-stream "$tmp/s1")" \
'{"kind":"response","tag":null,"name":"OK","fields":{"code":{"name":"CAPABILITY","args":["IMAP4rev1","IDLE"]},"text":"ready"}}
{"kind":"response","tag":"a1","name":"OK","fields":{"code":{"name":"READ-WRITE","args":[]},"text":"done"}}
{"kind":"response","tag":null,"name":"EXISTS","fields":{"number":3,"args":[]}}
{"kind":"continuation","tag":null,"name":null,"fields":{"code":null,"text":"go"}}'

printf '* 1 FETCH (UID 7 BODY[] {5}\r\nhello ENVELOPE (NIL "s" ((NIL NIL "a" "b")) NIL NIL NIL NIL NIL NIL NIL))\r\n' >"$tmp/s2"
hello=$(printf 'hello' | sha256sum | cut -d' ' -f1)
expect "fetch with literal digest" "$("$dump" --server-stream "$tmp/s2")" \
'{"kind":"response","tag":null,"name":"FETCH","fields":{"number":1,"attrs":{"UID":7,"BODY[]":{"literal_len":5,"sha256":"'"$hello"'"},"ENVELOPE":{"date":null,"subject":"s","from":[[null,null,"a","b"]],"sender":null,"reply_to":null,"to":null,"cc":null,"bcc":null,"in_reply_to":null,"message_id":null}}}}'
expect "stdin" "$("$dump" --literals --server-stream - <"$tmp/s2")" \
    "$("$dump" --literals --server-stream "$tmp/s2")"
case "$("$dump" --literals --server-stream "$tmp/s2")" in *'"BODY[]":"hello"'*) echo "ok   literal bytes" ;; *) echo "FAIL literal bytes"; fails=$((fails + 1)) ;; esac

printf 'a AUTHENTICATE PLAIN\r\nAGEAYg==\r\nb IDLE\r\nDONE\r\nc LOGIN {4}\r\nuser "p w"\r\n' >"$tmp/c1"
expect "command stream" "$("$dump" --client-stream "$tmp/c1")" \
'{"kind":"command","tag":"a","name":"AUTHENTICATE","fields":{"args":["PLAIN"]}}
{"kind":"continuation","tag":null,"name":null,"fields":{"data":"AGEAYg=="}}
{"kind":"command","tag":"b","name":"IDLE","fields":{"args":[]}}
{"kind":"command","tag":null,"name":"DONE","fields":{}}
{"kind":"command","tag":"c","name":"LOGIN","fields":{"args":[{"literal_len":4,"sha256":"'"$(printf user | sha256sum | cut -d' ' -f1)"'"},"p w"]}}'

# Chunking changes nothing; the canonical serialization dumps the same.
for side in server client; do
    f=$data/rfc_$side.txt
    "$dump" --$side-stream "$f" >"$tmp/whole"
    for n in 1 2 7 100; do
        "$dump" --$side-stream "$f" --chunk $n >"$tmp/chunked"
        expect "$side --chunk $n" "$(cmp -s "$tmp/whole" "$tmp/chunked" && echo same)" same
    done
    "$dump" --$side-stream "$f" --reserialize >"$tmp/canon"
    "$dump" --$side-stream "$tmp/canon" >"$tmp/again"
    expect "$side reserialize round trip" "$(cmp -s "$tmp/whole" "$tmp/again" && echo same)" same
    "$dump" --$side-stream "$tmp/canon" --reserialize >"$tmp/canon2"
    expect "$side reserialize fixed point" "$(cmp -s "$tmp/canon" "$tmp/canon2" && echo same)" same
    expect "$side unit count" "$(wc -l <"$tmp/whole")" "$([ $side = server ] && echo 163 || echo 62)"
done

# Commands written from their typed values: the result parses to as many
# commands, is its own fixed point, and is in canonical form.
for f in "$data"/rfc_client.txt "$data"/dovecot_client.txt; do
    name=$(basename "$f" .txt)
    "$dump" --client-stream "$f" --reserialize --typed >"$tmp/typed"
    expect "$name typed reserialize exits 0" $? 0
    expect "$name typed: same command count" "$("$dump" --client-stream "$tmp/typed" | wc -l)" "$("$dump" --client-stream "$f" | wc -l)"
    "$dump" --client-stream "$tmp/typed" --reserialize --typed >"$tmp/typed2"
    expect "$name typed fixed point" "$(cmp -s "$tmp/typed" "$tmp/typed2" && echo same)" same
done
"$dump" --client-stream "$data"/rfc_client.txt --reserialize --typed >"$tmp/typed"
expect "typed: names and flag lists canonical" "$(grep -c -F 'a005 STORE 12 +FLAGS (\deleted)' "$tmp/typed")" 1
expect "typed: dates canonical" "$(grep -c -F 'b4 THREAD REFERENCES UTF-8 SINCE 5-Mar-2000' "$tmp/typed")" 1
set +e
"$dump" --server-stream "$data"/rfc_server.txt --typed >/dev/null 2>&1; rc=$?
set -e
expect "--typed without --reserialize exits 64" $rc 64

# A real Dovecot session: same output whole and byte by byte.
for side in server client; do
    f=$data/dovecot_$side.txt
    "$dump" --$side-stream "$f" >"$tmp/whole"
    "$dump" --$side-stream "$f" --chunk 1 >"$tmp/chunked"
    expect "dovecot $side --chunk 1" "$(cmp -s "$tmp/whole" "$tmp/chunked" && echo same)" same
done

# What follows an accepted STARTTLS / COMPRESS is not IMAP text.
printf 'a STARTTLS\r\n\026\003\001\002\000\001\000' >"$tmp/tls_c"
set +e
out=$("$dump" --client-stream "$tmp/tls_c"); rc=$?
set -e
expect "client STARTTLS stops" "$rc:$out" '0:{"kind":"command","tag":"a","name":"STARTTLS","fields":{"args":[]}}'
printf 'a OK Begin TLS negotiation now\r\n\026\003\003\000\132\002' >"$tmp/tls_s"
set +e
"$dump" --server-stream "$tmp/tls_s" >/dev/null; rc=$?
set -e
expect "server STARTTLS stops" "$rc" 0
printf 'a COMPRESS DEFLATE\r\nx\234\313H\315\311\311\a' >"$tmp/z"
set +e
"$dump" --client-stream "$tmp/z" >/dev/null; rc=$?
set -e
expect "COMPRESS stops" "$rc" 0

# Errors.
printf '* 1 FETCH (UID 1\r\n' >"$tmp/bad"
set +e
err=$("$dump" --server-stream "$tmp/bad" 2>&1 >/dev/null); rc=$?
set -e
expect "syntax error" "$rc:$err" "65:offset 16: expected ')'"
printf '* 1 FETCH (UID x)\r\n' >"$tmp/bad2"
set +e
err=$("$dump" --server-stream "$tmp/bad2" 2>&1 >/dev/null); rc=$?
set -e
expect "grammar error" "$rc:$err" "65:offset 15: expected number"
printf '* OK fine\r\n* 1 FETCH (UID' >"$tmp/cut"
set +e
out=$("$dump" --server-stream "$tmp/cut" 2>"$tmp/err"); rc=$?
set -e
expect "truncated stream" "$rc:$(wc -l <<<"$out")" "65:1"
set +e
"$dump" --server-stream >/dev/null 2>&1; rc=$?
set -e
expect "usage" "$rc" 64
set +e
"$dump" --server-stream "$tmp/nonexistent" >/dev/null 2>&1; rc=$?
set -e
expect "missing file" "$rc" 66

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all ok"

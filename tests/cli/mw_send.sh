#!/bin/bash
# mw-send as a user runs it, without a mail server: usage errors (64), bad
# data (65), unreadable files (66), and a refused connection on loopback
# (75). The conversation itself is tested against Postfix
# (tests/interop/postfix/send_to_postfix.py).
set -u
S="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect CODE PATTERN ARGS... (stdin from $IN, default /dev/null)
expect() {
    local want="$1" pat="$2"
    shift 2
    "$S" "$@" < "${IN:-/dev/null}" > "$T/out" 2> "$T/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "mw-send $*: exit $got, expected $want ($(head -c 300 "$T/err"))"
        return
    fi
    if [ -n "$pat" ] && ! grep -qi -- "$pat" "$T/err" "$T/out"; then
        fail "mw-send $*: output lacks \"$pat\": $(head -c 300 "$T/err")"
    fi
}

# A loopback port nobody listens on: bound by this shell's python, closed.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 9)
SRV=(--server "127.0.0.1:$PORT")
OK=(--from alice@example.org --to bob@example.org)

# Standard options.
expect 0 "--server HOST" --help
expect 0 "mw-send" --version

# Usage errors.
expect 64 "--server is required" "${OK[@]}"
expect 64 "--from is required" "${SRV[@]}" --to bob@example.org
expect 64 "at least one --to" "${SRV[@]}" --from alice@example.org
expect 64 "exclude each other" "${SRV[@]}" --starttls --tls "${OK[@]}"
expect 64 "exclude each other" "${SRV[@]}" --starttls --cafile x --insecure "${OK[@]}"
expect 64 "need --starttls or --tls" "${SRV[@]}" --cafile x "${OK[@]}"
expect 64 "need --starttls or --tls" "${SRV[@]}" --insecure "${OK[@]}"
expect 64 "--user needs --password-file" "${SRV[@]}" --user u "${OK[@]}"
expect 64 "--password-file needs --user" "${SRV[@]}" --password-file f "${OK[@]}"
expect 64 "--auth needs --user" "${SRV[@]}" --auth PLAIN "${OK[@]}"
expect 64 "unknown option" "${SRV[@]}" --bogus "${OK[@]}"
expect 64 "needs a value" "${SRV[@]}" "${OK[@]}" --to
expect 64 "-t reads a message" "${SRV[@]}" -t --subject x "${OK[@]}"
expect 64 "not a mail address" "${SRV[@]}" --from alice@example.org --to bob
expect 64 "expected HOST" --server "[::1" "${OK[@]}"
expect 64 "expected HOST" --server "host:" "${OK[@]}"
expect 64 "expected HOST" --server "host:abc" "${OK[@]}"
printf 'secret\nsecond line\n' > "$T/pw"
expect 64 "unknown SASL mechanism" "${SRV[@]}" --user u --password-file "$T/pw" \
    --auth NOPE "${OK[@]}"

# CR/LF smuggled into an address never reaches the wire.
expect 64 "" "${SRV[@]}" --from alice@example.org \
    --to "$(printf 'bob@example.org\r\nRCPT TO:<evil@example.org>')"

# Unreadable files: 66 before any connection is made.
expect 66 "" "${SRV[@]}" "${OK[@]}" --text "$T/missing.txt"
expect 66 "" "${SRV[@]}" "${OK[@]}" --subject s --attach "$T/missing.bin"
expect 66 "" "${SRV[@]}" --user u --password-file "$T/missing" "${OK[@]}"

# -t: recipients and sender from the header, or a data error.
printf 'Subject: no recipients\n\nbody\n' > "$T/norcpt.eml"
IN="$T/norcpt.eml" expect 65 "no recipients" "${SRV[@]}" -t --from alice@example.org
printf 'To: bob@example.org\nSubject: no from\n\nbody\n' > "$T/nofrom.eml"
IN="$T/nofrom.eml" expect 65 "no sender" "${SRV[@]}" -t
printf 'From: alice@example.org\nTo: bob\n\nbody\n' > "$T/badto.eml"
IN="$T/badto.eml" expect 65 "not a mail address" "${SRV[@]}" -t

# Nobody listens: a temporary (network) failure, 75, with the reason.
printf 'Subject: x\n\nbody\n' > "$T/msg.eml"
IN="$T/msg.eml" expect 75 "refused" "${SRV[@]}" "${OK[@]}"
IN="$T/msg.eml" expect 75 "refused" "${SRV[@]}" -t < "$T/msg.eml" \
    --from alice@example.org --to bob@example.org
expect 75 "" "${SRV[@]}" "${OK[@]}" --subject "composed" --text "$T/msg.eml"

# TLS: refused with 64 when mw-send was built without libmailwire-tls,
# otherwise the connection is attempted (and refused here: 75).
"$S" "${SRV[@]}" --starttls "${OK[@]}" < "$T/msg.eml" > /dev/null 2> "$T/err"
rc=$?
if [ $rc = 64 ]; then
    grep -q "without TLS support" "$T/err" || fail "no-TLS build: unclear message"
elif [ $rc != 75 ]; then
    fail "--starttls to a closed port: exit $rc ($(cat "$T/err"))"
fi

if [ $fails -ne 0 ]; then
    echo "$fails failure(s)" >&2
    exit 1
fi
echo "mw-send CLI: all checks passed"

#!/bin/sh
# mw-journey: the whole journey runs on loopback, exits 0, and prints a
# transcript whose every line is a C:/S: protocol line or a "==" note.
set -u
tool="$1"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

fail() {
    echo "FAIL: $*" >&2
    cat "$out" >&2
    exit 1
}

"$tool" >"$out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc"

bad=$(grep -v -e '^C: ' -e '^S: ' -e '^==' -e '^$' "$out" | head -n 3)
[ -z "$bad" ] || fail "lines that are neither C:, S: nor ==: $bad"

grep -q '^C: \[alice-ua[^]]*\] AUTH PLAIN ' "$out" || fail "no AUTH PLAIN"
grep -q '^S: \[alice-mx\] 235 ' "$out" || fail "AUTH not accepted"
grep -q '^C: \[alice-mx[^]]*\] MAIL FROM:<alice@alice.example>' "$out" ||
    fail "no relay MAIL FROM"
grep -q '^S: \[bob-mx\] 250 .*Maildir' "$out" || fail "no delivery"
grep -q '^C: \[bob-ua[^]]*\] RETR 1$' "$out" || fail "no POP3 RETR 1"
grep -q '^S: \[bob-pop\] \.\.\. [0-9]* lines \.\.\.$' "$out" ||
    fail "RETR body not shortened"
grep -q 'report\.bin, 3000 bytes' "$out" || fail "attachment not shown"
last=$(grep -v '^$' "$out" | tail -n 1)
case "$last" in
*"checksums match"*) ;;
*) fail "last line does not say the checksums match: $last" ;;
esac

# No temp Maildir left behind.
dir=$(sed -n 's/.*serving \(.*\)$/\1/p' "$out")
[ -n "$dir" ] && [ ! -e "$dir" ] || fail "Maildir $dir not removed"

# Standard options.
"$tool" --version | grep -q '^mw-journey ' || fail "--version"
"$tool" --help >/dev/null || fail "--help"
"$tool" extra >/dev/null 2>&1 && fail "an extra argument was accepted"
exit 0

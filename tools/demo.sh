#!/usr/bin/env bash
# Builds mailwire and runs the main demo: the journey of one message, with
# nothing but mailwire, on loopback. Alice's user agent composes a MIME
# message with an attachment and submits it (SMTP, AUTH PLAIN) to Alice's
# mail server, which relays it (SMTP) to Bob's mail server, which stores it
# in Bob's Maildir; Bob's user agent downloads it (POP3) and checks the
# attachment's SHA-256 against what Alice sent. Every protocol line is
# printed as "C: ..." or "S: ...".
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
mw_need_packages cmake gcc make libc6-dev pkg-config

build=${MW_DEMO_BUILD:-build-demo}
cmake -S . -B "$build" -DMW_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target mw-journey >/dev/null
"$build/examples/mw-journey/mw-journey"

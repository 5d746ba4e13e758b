#!/bin/bash
# Build and run the message-builder benchmark (not part of CI).
# usage: tests/bench/build/run.sh [BUILD_DIR]
# BUILD_DIR holds libmailwire.a from a Release build (created if missing).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD=${1:-$ROOT/build-bench}
if [ ! -f "$BUILD/libmailwire.a" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMW_BUILD_TESTS=OFF \
        -DMW_BUILD_EXAMPLES=OFF > /dev/null
    cmake --build "$BUILD" -j2 --target mailwire_static > /dev/null
fi
CFLAGS="-O2 -I$ROOT/include -I$BUILD/include"
GMIME=""
if pkg-config --exists gmime-3.0; then
    GMIME="-DHAVE_GMIME $(pkg-config --cflags --libs gmime-3.0)"
else
    echo "(GMime 3 not found: install libgmime-3.0-dev to compare)"
fi
# shellcheck disable=SC2086
cc $CFLAGS "$HERE/bench_build.c" "$BUILD/libmailwire.a" $GMIME -o "$BUILD/bench_build"
PY=$(python3 "$HERE/bench_email.py")
"$BUILD/bench_build" "$PY"

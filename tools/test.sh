#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. install what is missing (as root; otherwise print the command)
#   2. formatting (clang-format) and the sans-IO house rules
#   3. gcc build, -Werror, ASan+UBSan, every unit test, corpus replay,
#      differential test and interop test against real servers
#   4. clang build, -Werror, ASan+UBSan, the same tests but interop
#   5. API reference with doxygen, failing on undocumented declarations
#   6. install to a temporary prefix; consumers via pkg-config and find_package
#   7. cross-build of the sans-IO layers for a Cortex-M4 against newlib
#   8. fuzz smoke runs: every libFuzzer target, fixed seed and run count
# Ends with one line "summary: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. tools/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
out=${MW_TEST_BUILD:-$root/build-test}
mkdir -p "$out"
passed=0
failed=0
failed_steps=()

step() { # step NAME COMMAND...
    local name=$1
    shift
    echo
    echo "=== $name"
    local t0=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "=== $name: passed ($((SECONDS - t0))s)"
    else
        failed=$((failed + 1))
        failed_steps+=("$name")
        echo "=== $name: FAILED ($((SECONDS - t0))s)"
    fi
}

packages=(cmake make gcc clang libclang-rt-14-dev clang-format pkg-config
          libcmocka-dev doxygen gcc-arm-none-eabi libnewlib-arm-none-eabi
          python3 libssl-dev openssl
          postfix dovecot-core dovecot-pop3d dovecot-imapd swaks curl)
if ! mw_need_packages "${packages[@]}"; then
    echo "summary: 0 passed, 1 failed"
    exit 1
fi

check_format() {
    local files
    files=$(git ls-files '*.c' '*.h' 2>/dev/null || find lib include examples tests -name '*.[ch]')
    # shellcheck disable=SC2086
    clang-format --dry-run --Werror $files
}

# The core below lib/net/ (and the TLS library lib/tls/) must stay sans-IO: no I/O headers, clocks,
# environment or printing, and no raw libc allocation outside alloc.c.
check_house_rules() {
    local bad=0 hits
    hits=$(grep -rnE '#include <(sys/socket|netdb|netinet/[a-z_]+|arpa/inet|poll|sys/epoll|unistd|stdio|time|errno|pthread|fcntl)\.h>|\b(printf|fprintf|puts|getenv|time|clock_gettime|abort|exit)\(' \
        lib --include='*.c' --include='*.h' | grep -vE '^lib/(net|tls)/')
    [ -n "$hits" ] && { echo "I/O in the sans-IO core:"; echo "$hits"; bad=1; }
    hits=$(grep -rnE '(^|[^>._a-zA-Z0-9])(malloc|calloc|realloc|free)\(' lib --include='*.c' |
        grep -vE '^lib/(net/|tls/|core/alloc\.c)')
    [ -n "$hits" ] && { echo "raw allocation outside lib/core/alloc.c:"; echo "$hits"; bad=1; }
    return $bad
}

build_and_test() { # build_and_test DIR CC [CTEST-ARGS...]
    local dir=$1 cc=$2
    shift 2
    cmake -S "$root" -B "$dir" -DCMAKE_C_COMPILER="$cc" -DMW_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=Debug >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log"; return 1; }
    cmake --build "$dir" -j"$jobs" 2>&1 | grep -E 'error|warning|Error' ; [ "${PIPESTATUS[0]}" = 0 ] || return 1
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$dir" -j"$jobs" --output-on-failure "$@"
}

# The message parser's header scan and the IMAP parser's quoted-string
# scan have SSE2 paths and portable ones (what firmware and non-x86 builds
# run): the portable ones get their own sanitizer build of the core,
# message and IMAP layers.
portable_scan_tests() {
    local dir=$out/portable
    cmake -S "$root" -B "$dir" -DCMAKE_C_COMPILER=gcc -DMW_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="-DMWI_MIME_NO_SIMD -DMWI_IMAP_NO_SIMD" \
        -DMW_WITH_SMTP=OFF -DMW_WITH_POP3=OFF -DMW_WITH_NET=OFF \
        -DMW_WITH_OPENSSL=OFF >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log"; return 1; }
    cmake --build "$dir" -j"$jobs" 2>&1 | grep -E 'error|warning|Error' ; [ "${PIPESTATUS[0]}" = 0 ] || return 1
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$dir" -j"$jobs" --output-on-failure -R 'msg|imap' -LE interop
}

build_docs() {
    local dir=$out/docs
    rm -rf "$dir"
    mkdir -p "$dir"
    MW_DOXY_OUT=$dir MW_DOXY_EXTRA="$out/gcc/include/mailwire" doxygen Doxyfile >"$dir/doxygen.log" 2>&1 ||
        { cat "$dir/doxygen.log"; return 1; }
    if [ -s "$dir/warnings.log" ]; then
        echo "undocumented or badly documented public declarations:"
        cat "$dir/warnings.log"
        return 1
    fi
    [ -f "$dir/html/index.html" ] && echo "HTML reference in $dir/html/index.html"
}

install_and_consume() {
    local prefix=$out/prefix dir=$out/install-build
    rm -rf "$prefix" "$dir"
    cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DMW_BUILD_TESTS=OFF \
        -DMW_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null &&
        cmake --build "$dir" -j"$jobs" >/dev/null &&
        cmake --install "$dir" >/dev/null || return 1
    local libdir
    libdir=$(dirname "$(find "$prefix" -name mailwire.pc | head -1)")/..
    echo "-- consumer through pkg-config"
    PKG_CONFIG_PATH="$libdir/pkgconfig" \
        cc -std=c11 -Wall -Werror tests/consumer/consumer.c -o "$out/consumer-pc" \
        $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs mailwire) || return 1
    LD_LIBRARY_PATH="$libdir" "$out/consumer-pc" || return 1
    echo "-- consumer through find_package(mailwire)"
    cmake -S tests/consumer -B "$out/consumer-cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null &&
        cmake --build "$out/consumer-cmake" >/dev/null || return 1
    "$out/consumer-cmake/consumer" || return 1
    readelf -d "$(find "$prefix" -name 'libmailwire.so' | head -1)" | grep SONAME
}

# Targets whose single run builds and re-parses a whole message or session
# get fewer smoke runs, so the CI step stays within a few minutes.
smoke_runs() { # smoke_runs TARGET DEFAULT
    case $1 in
    msg_build) echo $(($2 / 10)) ;;
    *) echo "$2" ;;
    esac
}

fuzz_smoke() {
    local dir=$out/fuzz
    CC=clang cmake -S "$root" -B "$dir" -DMW_FUZZ=ON -DMW_BUILD_TESTS=OFF \
        -DMW_BUILD_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || return 1
    cmake --build "$dir" -j"$jobs" 2>&1 | grep -E 'error|warning' ; [ "${PIPESTATUS[0]}" = 0 ] || return 1
    local runs=${MW_FUZZ_RUNS:-20000} rc=0 target name
    for target in "$dir"/tests/fuzz/fuzz_*; do
        [ -x "$target" ] || continue
        name=$(basename "$target")
        bash tools/fuzz.sh --binary "$target" --runs "$(smoke_runs "${name#fuzz_}" "$runs")" \
            "${name#fuzz_}" || rc=1
    done
    return $rc
}

step "dependencies and formatting" check_format
step "sans-IO house rules" check_house_rules
step "gcc build + ASan/UBSan unit tests" build_and_test "$out/gcc" gcc
# The interop tests start real servers; once (in the gcc build) is enough.
step "clang build + ASan/UBSan unit tests" build_and_test "$out/clang" clang -LE interop
step "message and IMAP tests on the portable (no SIMD) scan paths" portable_scan_tests
step "API reference (doxygen)" build_docs
step "install + pkg-config and find_package consumers" install_and_consume
step "Cortex-M4 cross-build of the sans-IO core" bash tools/cross.sh "$out/cross"
step "fuzz smoke runs" fuzz_smoke

echo
if [ "$failed" -gt 0 ]; then
    echo "failed steps: ${failed_steps[*]}"
fi
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Cross-compile the sans-IO layers of mailwire for a Cortex-M4 against
# newlib, link a tiny heap-free firmware program with them, and print the
# .text/.data/.bss sizes. Keeps the core honest about what it needs from
# libc: an unresolved symbol fails the link.
#   tools/cross.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-cross}
mkdir -p "$out/obj"
cc=arm-none-eabi-gcc
command -v "$cc" >/dev/null || { echo "needs gcc-arm-none-eabi and libnewlib-arm-none-eabi" >&2; exit 1; }

# Generated headers (version.h, config.h) come from a configure-only run.
cmake -S . -B "$out/host" -DMW_BUILD_TESTS=OFF -DMW_BUILD_EXAMPLES=OFF -DMW_WITH_NET=OFF -DMW_WITH_OPENSSL=OFF >/dev/null
flags=(-std=c11 -mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections
       -Wall -Wextra -Werror -Wshadow -Wvla -Iinclude -I"$out/host/include" -Ilib/core -Ilib)
objs=()
for layer in core msg sasl smtp pop3 imap; do
    [ -d "lib/$layer" ] || continue
    for src in lib/"$layer"/*.c; do
        [ -e "$src" ] || continue
        obj=$out/obj/${layer}_$(basename "${src%.c}").o
        "$cc" "${flags[@]}" -c "$src" -o "$obj"
        objs+=("$obj")
    done
done
rm -f "$out/libmailwire-m4.a"
arm-none-eabi-ar rcs "$out/libmailwire-m4.a" "${objs[@]}"
"$cc" "${flags[@]}" --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections \
    tests/cross/firmware_main.c "$out/libmailwire-m4.a" -o "$out/firmware.elf"
echo "sans-IO layers for cortex-m4 (-Os), all objects:"
arm-none-eabi-size -t "${objs[@]}" | tail -1 | awk '{printf "  .text %s  .data %s  .bss %s  (total %s bytes)\n", $1, $2, $3, $4}'
echo "per layer:"
for layer in core msg sasl smtp pop3 imap; do
    set -- "$out"/obj/"${layer}"_*.o
    [ -e "$1" ] || continue
    arm-none-eabi-size -t "$@" | tail -1 | awk -v l="$layer" '{printf "  %-5s .text %7s  .data %5s  .bss %5s\n", l, $1, $2, $3}'
done
echo "linked firmware example (base64 alert body, no heap used by mailwire):"
arm-none-eabi-size "$out/firmware.elf" | tail -1 | awk '{printf "  .text %s  .data %s  .bss %s\n", $1, $2, $3}'

# Sourced by tools/test.sh and tools/demo.sh: make sure the Debian packages
# a step needs are present. As root it installs what is missing (after
# apt-get update); otherwise it prints the exact command and fails.
#
# usage: mw_need_packages PKG...   (each package is checked with dpkg)

mw_missing_packages() {
    local pkg missing=()
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    echo "${missing[@]}"
}

mw_need_packages() {
    local missing
    missing=$(mw_missing_packages "$@")
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: $missing" >&2
        echo "install them with:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y $missing" >&2
        return 1
    fi
    echo "installing: $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || { echo "apt-get update failed" >&2; return 1; }
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
        { echo "apt-get install failed: $missing" >&2; return 1; }
}

#!/usr/bin/env bash
# Print the path of the Chromium that `make e2e` drives. Where there is none: as root with apt-get, install
# Debian's package `chromium`; otherwise say how to install one and exit 3, which `make e2e` takes as "skip".
set -euo pipefail

find_chromium() {
    local name
    for name in "${CHROMIUM:-}" chromium chromium-browser google-chrome-stable google-chrome; do
        if [ -n "$name" ] && command -v "$name"; then
            return 0
        fi
    done
    return 1
}

if find_chromium; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "make e2e: no Chromium found; installing Debian's package chromium with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq chromium >&2
    find_chromium && exit 0
    echo "make e2e: apt-get installed chromium, but no chromium command is on PATH" >&2
    exit 1
fi
echo "make e2e: skipped: no Chromium found. Install it (Debian/Ubuntu: sudo apt-get install chromium;" \
    "macOS: brew install --cask chromium) or set CHROMIUM=/path/to/chromium, then run make e2e again." >&2
exit 3

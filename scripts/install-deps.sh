#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install, with apt-get, whatever the build and the tests need and this machine lacks.
# Quiet and fast when everything is present: it only asks pkg-config and command -v.
set -euo pipefail

# pkg-config name -> Debian package
declare -A PKGS=(
    [libcrypto]=libssl-dev
    [libsodium]=libsodium-dev
    [jansson]=libjansson-dev
    [cmocka]=libcmocka-dev
    [sqlite3]=libsqlite3-dev
    [libmicrohttpd]=libmicrohttpd-dev
    [libcurl]=libcurl4-openssl-dev
)
# command -> Debian package
declare -A CMDS=(
    [cc]=gcc
    [make]=make
    [pkg-config]=pkg-config
    [valgrind]=valgrind
    [curl]=curl
    [node]=nodejs
    [npm]=npm
)
# headers checked by path -> Debian package
declare -A HDRS=(
    [/usr/include/valgrind/memcheck.h]=valgrind
    [/usr/bin/chromium]=chromium
)

missing=()
for c in "${!CMDS[@]}"; do
    command -v "$c" >/dev/null 2>&1 || missing+=("${CMDS[$c]}")
done
if command -v pkg-config >/dev/null 2>&1; then
    for p in "${!PKGS[@]}"; do
        pkg-config --exists "$p" 2>/dev/null || missing+=("${PKGS[$p]}")
    done
else
    missing+=("${PKGS[@]}")
fi
for h in "${!HDRS[@]}"; do
    [ -e "$h" ] || missing+=("${HDRS[$h]}")
done

[ ${#missing[@]} -eq 0 ] && exit 0

# De-duplicate, keep order.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
echo "install-deps: installing ${missing[*]}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2

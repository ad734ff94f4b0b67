#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make lint: the layering rules of ARCHITECTURE.md, checked on the include lines and calls.
#  - which module may include which ("crypto" sees only common and crypto, ...);
#  - exactly one file touches each foreign API;
#  - src/crypto has no heap, no I/O and no logging.
set -u
cd "$(dirname "$0")/.."
status=0
fail() { echo "lint: $*"; status=1; }

# module -> modules it may include with "module/..."
declare -A ALLOW=(
    [common]="common"
    [crypto]="common crypto"
    [attest]="common crypto attest"
    [proto]="common proto"
    # store hashes the transparency log's tree inside the sign's transaction (crypto/merkle.h)
    [store]="common crypto store"
    [sdk]="common crypto attest sdk"
    [cli]="common crypto attest sdk cli"
    [server]="common crypto attest store proto server"
    [enclave]="common crypto attest proto enclave"
)

for f in $(git ls-files 'src/*.c' 'src/*.h'); do
    mod=$(echo "$f" | cut -d/ -f2)
    allowed=${ALLOW[$mod]:-}
    [ -n "$allowed" ] || { fail "$f: module '$mod' has no rule in scripts/lint.sh"; continue; }
    while IFS= read -r inc; do
        dep=${inc%%/*}
        case " $allowed " in
            *" $dep "*) ;;
            *) fail "$f includes \"$inc\": $mod may not depend on $dep" ;;
        esac
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\/[^"]*\)".*/\1/p' "$f")
done

# foreign header -> the only files allowed to include it (extended regex on the path)
check_foreign() {
    local header=$1 allowed=$2
    for f in $(git grep -l -E "^[[:space:]]*#[[:space:]]*include[[:space:]]*<$header" -- src 2>/dev/null); do
        echo "$f" | grep -qE "^($allowed)\$" || fail "$f includes <$header…>; only $allowed may"
    done
}
check_foreign 'sodium' 'src/crypto/ed\.c'
check_foreign 'openssl/' 'src/crypto/ed\.c|src/crypto/sha2\.c|src/crypto/aead\.c|src/attest/vendor/[a-z0-9_-]+\.c|src/attest/x509\.c'
check_foreign 'microhttpd\.h' 'src/server/http\.c'
check_foreign 'sqlite3\.h' 'src/store/store_sqlite\.c'
check_foreign 'libpq-fe\.h' 'src/store/store_pg\.c'
check_foreign 'curl/' 'src/sdk/client\.c'

# src/crypto: no heap, no I/O, no logging (OpenSSL and libsodium allocate inside; that is theirs).
bad=$(git grep -n -E '\b(malloc|calloc|realloc|free|postq_malloc|postq_calloc|postq_realloc|postq_free|printf|fprintf|puts|fopen|fwrite|fread|syslog|perror)[[:space:]]*\(' -- 'src/crypto' | grep -v -E '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*)')
[ -z "$bad" ] || fail "src/crypto must not allocate, do I/O or log:"$'\n'"$bad"

if [ $status -eq 0 ]; then
    echo "# lint: layering, foreign-API and crypto purity rules hold ($(git ls-files 'src/*.c' 'src/*.h' | wc -l) files)"
fi
exit $status

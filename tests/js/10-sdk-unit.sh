#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# @postq/sdk's unit tests (js/sdk/test, compiled by `make tests` into js/sdk/build-test) under
# `node --test`: the client against a scripted fetch, the verifiers on fixtures signed with
# noble. Printed as cmocka's lines, so each test counts once.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export PATH=$ROOT/.tools/node/bin:$PATH
[ -f "$ROOT/js/sdk/build-test/.built" ] || { echo "10-sdk-unit: js/sdk/build-test is missing: run make tests"; exit 1; }
cd "$ROOT/js/sdk" || exit 1
exec timeout --kill-after=5 300 node --test --test-reporter="$ROOT/tests/lib/node-reporter.mjs" build-test/test/*.test.js

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make run: start the service. Today the cryptographic core is built; the enclave, the API
# server and the dashboard are not yet, and this script says so rather than pretending.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
cat <<MSG
PostQ $(sed -n 's/^VERSION *:= *//p' mk/config.mk) — built: build/libpostq.a, build/libpostq.so, build/bin/{postq,postq-api,postq-enclave}

Not built yet: the postq-enclave daemon, the postq-api HTTP server and the dashboard are
still placeholders (they print their usage and exit), so there is no service to start.
What works today is the cryptographic core (ML-DSA-44/65/87, composite ML-DSA + EdDSA):

  make check        run every test (NIST ACVP vectors, RFC 8032, composite, ct-test)
  make bench        keygen / sign / verify timings
  make bench-count  repeatable instruction counts (callgrind)
MSG

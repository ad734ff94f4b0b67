#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The vector tests again on the portable path (POSTQ_DISABLE_AVX2=1): make check's normal run
# takes the AVX2 path wherever the CPU has it, so both paths meet every ACVP vector, the
# composite known answers and the edge cases. The cmocka lines of each program pass through, so
# scripts/run-tests.sh counts every case of this run too.
set -u
build=${POSTQ_BUILD:-build}
status=0
for t in crypto/mldsa_acvp_test crypto/mldsa_test crypto/lamps_composite_test crypto/hybrid_test \
         crypto/sha3_acvp_test crypto/keccak_test crypto/keccak4x_test; do
    bin=$build/tests/$t
    if [ ! -x "$bin" ]; then
        echo "portable-path: $bin not built"
        status=1
        continue
    fi
    echo "# portable-path: $t with POSTQ_DISABLE_AVX2=1"
    POSTQ_DISABLE_AVX2=1 "$bin" || { echo "portable-path: $t failed on the portable path"; status=1; }
done
exit $status

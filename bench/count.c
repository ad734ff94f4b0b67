/* SPDX-License-Identifier: Apache-2.0 */
/* make bench-count: the operations whose instructions scripts/bench-count.sh counts with
 * callgrind (--toggle-collect on the function): one ML-DSA-65 keygen, one verify, one verify
 * under an expanded key made beforehand (verify-vkey; its postq_mldsa_vkey_init is counted
 * apart), and 400 signs of distinct 32-byte messages (the mean is the total / 400). "count path"
 * prints the code path they take (POSTQ_DISABLE_AVX2=1 forces the portable one). */
#include <stdio.h>
#include <string.h>

#include <postq/postq.h>

#include "common/cpu.h"
#include "crypto/mldsa/sign.h"

int main(int argc, char **argv)
{
    static uint8_t pk[POSTQ_MLDSA65_PK_BYTES], sk[POSTQ_MLDSA65_SK_BYTES];
    static uint8_t sig[POSTQ_MLDSA65_SIG_BYTES];
    uint8_t seed[32], msg[32];
    const char *mode = argc > 1 ? argv[1] : "";

    if (strcmp(mode, "path") == 0) {
        puts(postq_cpu_avx2() ? "avx2" : "portable"); /* the path the counts below take */
        return 0;
    }
    memset(seed, 0x42, sizeof(seed));
    memset(msg, 0x17, sizeof(msg));
    if (postq_mldsa_keygen(65, seed, pk, sk) != POSTQ_OK) {
        return 1;
    }
    if (strcmp(mode, "keygen") == 0) {
        return 0; /* the keygen above is the one counted */
    }
    if (strcmp(mode, "sign") == 0) {
        for (int i = 0; i < 400; i++) {
            msg[0] = (uint8_t)i;
            msg[1] = (uint8_t)(i >> 8);
            if (postq_mldsa_sign(65, sk, msg, sizeof(msg), NULL, 0, NULL, sig) != POSTQ_OK) {
                return 1;
            }
        }
        return 0;
    }
    if (strcmp(mode, "verify") == 0) {
        if (postq_mldsa_sign(65, sk, msg, sizeof(msg), NULL, 0, NULL, sig) != POSTQ_OK) {
            return 1;
        }
        return postq_mldsa_verify(65, pk, msg, sizeof(msg), NULL, 0, sig, sizeof(sig)) != POSTQ_OK;
    }
    if (strcmp(mode, "verify-vkey") == 0) {
        static struct postq_mldsa_vkey vk;
        if (postq_mldsa_sign(65, sk, msg, sizeof(msg), NULL, 0, NULL, sig) != POSTQ_OK ||
            postq_mldsa_vkey_init(&vk, 65, pk) != POSTQ_OK) {
            return 1;
        }
        return postq_mldsa_verify_vkey(&vk, msg, sizeof(msg), NULL, 0, sig, sizeof(sig)) !=
               POSTQ_OK;
    }
    fprintf(stderr, "usage: count keygen|sign|verify|verify-vkey\n");
    return 2;
}

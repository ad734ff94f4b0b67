/* SPDX-License-Identifier: Apache-2.0 */
/* postq-enclave: the mock enclave [ARCHITECTURE.md, docs/cli.md]. Holds the root key, the sealing
 * key and the
 * counter; answers info, keygen and sign+attest on a Unix socket; `measure` prints what a
 * policy pins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <postq/postq.h>

#include "common/base64.h"
#include "common/hex.h"
#include "crypto/rand.h"
#include "enclave/enclave.h"
#include "enclave/keycache.h"

#define DEFAULT_STATE "var/enclave"
#define FAULT_ENV "POSTQ_ENCLAVE_TEST_FAULT"
#define ALLOW_ENV "POSTQ_ENCLAVE_ALLOW_TEST_FAULTS"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: postq-enclave [--state DIR] [--secret FILE] [--listen unix:PATH] [--workers N]\n"
            "                     [--io-timeout-ms MS] [--idle-timeout-ms MS] [--max-conns N]\n"
            "                     [--counter-step N] [--key-cache N]\n"
            "                     [--root mldsa65+ed25519|ed25519] [--log-name NAME]\n"
            "       postq-enclave measure [--state DIR] [--secret FILE]\n"
            "       postq-enclave secret new [--root mldsa65+ed25519|ed25519]\n"
            "                     [--from SECRET | --from-state DIR] FILE\n"
            "       postq-enclave --version | --help\n"
            "\n"
            "The mock enclave: keeps the root key that signs attestation documents (the\n"
            "composite ML-DSA-65 + Ed25519 by default), the AES-256 sealing key and the\n"
            "attestation counter in DIR (default " DEFAULT_STATE ", created 0700 on first\n"
            "start) and answers info, keygen and sign on a Unix socket (default\n"
            "unix:DIR/enclave.sock, mode 0600). Protocol: docs/enclave-protocol.md.\n"
            "\n"
            "  measure          print {\"vendor\",\"moduleId\",\"imageHash\",\"rootPublicKeyB64\",\n"
            "                   \"rootAlgorithm\"}: what an attestation policy pins for this enclave\n"
            "  secret new FILE  write a deployment secret (root seed, root kind and sealing key;\n"
            "                   mode 0600; never over an existing file)\n"
            "  --from SECRET, --from-state DIR  the new secret keeps the root seed and sealing\n"
            "                   key of an old secret or state directory, with the root --root\n"
            "                   names: how a deployment moves to a new root (docs/upgrades.md)\n"
            "  --root ALG       the root of a new state directory or secret: mldsa65+ed25519\n"
            "                   (default; documents signed ML-DSA-65-Ed25519, post-quantum) or\n"
            "                   ed25519 (classical). An existing state directory keeps its own.\n"
            "  --secret FILE    take the root and sealing keys from a deployment secret: every\n"
            "                   enclave started with it has the same root public key and unseals\n"
            "                   the keys of the others; moduleId and counter stay DIR's own\n"
            "  --workers N      signing threads (default: online CPUs, 2..16)\n"
            "  --io-timeout-ms  deadline to read a whole request or write a reply (30000)\n"
            "  --idle-timeout-ms  close connections idle this long (300000)\n"
            "  --max-conns N    open connections at most (256); more get a busy reply\n"
            "  --counter-step N counter values reserved per durable write (1024): one fsync\n"
            "                   per N signatures; a restart skips at most N - 1 values\n"
            "  --key-cache N    signing keys kept expanded and ready to sign (default 32,\n"
            "                   about 2.7 MiB of locked memory; 0 to 4096; 0: unseal and\n"
            "                   expand the key on every sign). The memory is locked: when\n"
            "                   RLIMIT_MEMLOCK is too small the enclave warns and runs\n"
            "                   without expanded keys\n"
            "  --log-name NAME  the transparency log's name (default " POSTQ_ENCLAVE_LOG_NAME_DEFAULT "): its\n"
            "                   key name, and the origin \"NAME/<organisation id>\" of its\n"
            "                   checkpoints; the log keys derive from the sealing key, so every\n"
            "                   enclave of a deployment secret signs for the same log\n"
            "                   (docs/transparency.md)\n"
            "\n"
            "TEST ONLY: fault modes make the enclave produce bad documents so that the API's\n"
            "enforcement can be tested. They are refused unless " ALLOW_ENV "=1 is set too:\n"
            "  " FAULT_ENV "=MODE, MODE one of\n"
            "  %s.\n"
            "Never set these in production.\n",
            postq_enclave_fault_list());
}

/* The fault mode from the environment: 0 none, -1 refused (message printed). */
static int fault_from_env(void)
{
    const char *mode = getenv(FAULT_ENV), *allow = getenv(ALLOW_ENV);
    int f;

    if (mode == NULL || mode[0] == 0) {
        return 0;
    }
    if (allow == NULL || strcmp(allow, "1") != 0) {
        fprintf(stderr,
                "postq-enclave: %s is set but %s=1 is not: test fault modes are refused\n",
                FAULT_ENV, ALLOW_ENV);
        return -1;
    }
    f = postq_enclave_fault_parse(mode);
    if (f < 0) {
        fprintf(stderr, "postq-enclave: unknown %s '%s' (one of: %s)\n", FAULT_ENV, mode,
                postq_enclave_fault_list());
        return -1;
    }
    return f;
}

static int measure(struct postq_enclave *e)
{
    char hex[65], b64[2700];

    if (postq_hex_encode(hex, sizeof(hex), e->image_hash, 32) != POSTQ_OK ||
        postq_base64_encode(b64, sizeof(b64), NULL, e->root_pk, e->root_pk_len,
                            POSTQ_B64_STD) != POSTQ_OK) {
        return 3;
    }
    /* Every value is from a fixed alphabet (hex, base64, "mock-" + hex): no escaping needed. */
    printf("{\"vendor\":\"%s\",\"moduleId\":\"%s\",\"imageHash\":\"%s\",\"rootPublicKeyB64\":"
           "\"%s\",\"rootAlgorithm\":\"%s\"}\n",
           POSTQ_ENCLAVE_VENDOR, e->module_id, hex, b64, postq_root_alg_name(e->root_alg));
    return fflush(stdout) == 0 ? 0 : 3;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || v < lo || v > hi) {
        return 0;
    }
    *out = (int)v;
    return 1;
}

/* --key-cache N: digits only, 0..POSTQ_ENCLAVE_KEYCACHE_MAX. */
static int parse_key_cache(const char *s, size_t *out)
{
    size_t v = 0, i = 0;

    for (; s[i] >= '0' && s[i] <= '9' && v <= POSTQ_ENCLAVE_KEYCACHE_MAX; i++) {
        v = v * 10 + (size_t)(s[i] - '0');
    }
    if (i == 0 || s[i] != 0 || v > POSTQ_ENCLAVE_KEYCACHE_MAX) {
        return 0;
    }
    *out = v;
    return 1;
}

/* postq-enclave secret new [--root ALG] [--from SECRET | --from-state DIR] FILE */
static int secret_cmd(int argc, char **argv)
{
    const char *file = NULL, *from = NULL, *from_state = NULL;
    char detail[512];
    int alg = 0;
    postq_err err;

    for (int k = 3; k < argc; k++) {
        const char *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (strcmp(argv[k], "--root") == 0 && v != NULL && alg == 0) {
            alg = postq_root_alg_parse(v);
            if (alg == 0) {
                fprintf(stderr, "postq-enclave: --root: %s is neither mldsa65+ed25519 nor "
                                "ed25519\n", v);
                return 2;
            }
            k++;
        } else if (strcmp(argv[k], "--from") == 0 && v != NULL && from == NULL) {
            from = v;
            k++;
        } else if (strcmp(argv[k], "--from-state") == 0 && v != NULL && from_state == NULL) {
            from_state = v;
            k++;
        } else if (argv[k][0] != '-' && file == NULL) {
            file = argv[k];
        } else {
            file = NULL;
            break;
        }
    }
    if (argc < 4 || strcmp(argv[2], "new") != 0 || file == NULL ||
        (from != NULL && from_state != NULL)) {
        fprintf(stderr, "postq-enclave: usage: postq-enclave secret new [--root "
                        "mldsa65+ed25519|ed25519]\n"
                        "                     [--from SECRET | --from-state DIR] FILE\n");
        return 2;
    }
    umask(077);
    if (alg == 0) {
        alg = POSTQ_ROOT_COMPOSITE;
    }
    if (from != NULL || from_state != NULL) {
        err = postq_enclave_secret_derive(file, alg, from, from_state, detail, sizeof(detail));
    } else {
        err = postq_enclave_secret_new(file, alg, detail, sizeof(detail));
    }
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-enclave: %s\n", detail);
        return err == POSTQ_E_CONFLICT || err == POSTQ_E_ARG ? 2 : 3;
    }
    printf("deployment secret written to %s (mode 0600; root %s%s): start each enclave of "
           "the deployment with --secret %s\n",
           file, postq_root_alg_name(alg),
           from != NULL || from_state != NULL ? "; the root seed and sealing key of the old "
                                                "deployment"
                                              : "",
           file);
    return 0;
}

int main(int argc, char **argv)
{
    struct postq_enclave e;
    struct postq_enclave_server_opts o;
    const char *state = getenv("POSTQ_ENCLAVE_STATE"), *listen_addr = NULL, *secret = NULL;
    const char *log_name = POSTQ_ENCLAVE_LOG_NAME_DEFAULT;
    char sock[4200], detail[512];
    int is_measure = 0, fault, rc, counter_step = POSTQ_ENCLAVE_COUNTER_STEP, root_alg = 0;
    size_t key_cache = POSTQ_ENCLAVE_KEYCACHE_DEFAULT;
    struct postq_enclave_keycache_stats st;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    postq_err err;

    memset(&o, 0, sizeof(o));
    o.workers = cpus < 2 ? 2 : cpus > 16 ? 16 : (int)cpus;
    o.io_timeout_ms = 30000;
    o.idle_timeout_ms = 300000;
    o.max_conns = 256;
    if (state == NULL || state[0] == 0) {
        state = DEFAULT_STATE;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1;
        if (strcmp(a, "--version") == 0) {
            printf("postq-enclave %s\n", POSTQ_VERSION);
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (i == 1 && strcmp(a, "measure") == 0) {
            is_measure = 1;
            continue;
        } else if (i == 1 && strcmp(a, "secret") == 0) {
            return secret_cmd(argc, argv);
        } else if (v == NULL) {
            ok = 0;
        } else if (strcmp(a, "--state") == 0) {
            state = v;
        } else if (strcmp(a, "--secret") == 0) {
            secret = v;
        } else if (strcmp(a, "--root") == 0 && !is_measure) {
            root_alg = postq_root_alg_parse(v);
            ok = root_alg != 0;
        } else if (strcmp(a, "--listen") == 0 && !is_measure) {
            listen_addr = v;
        } else if (strcmp(a, "--workers") == 0 && !is_measure) {
            ok = parse_int(v, 1, 256, &o.workers);
        } else if (strcmp(a, "--io-timeout-ms") == 0 && !is_measure) {
            ok = parse_int(v, 1, 3600000, &o.io_timeout_ms);
        } else if (strcmp(a, "--idle-timeout-ms") == 0 && !is_measure) {
            ok = parse_int(v, 1, 86400000, &o.idle_timeout_ms);
        } else if (strcmp(a, "--max-conns") == 0 && !is_measure) {
            ok = parse_int(v, 1, 65536, &o.max_conns);
        } else if (strcmp(a, "--log-name") == 0 && !is_measure) {
            log_name = v;
        } else if (strcmp(a, "--counter-step") == 0 && !is_measure) {
            ok = parse_int(v, 1, 1000000, &counter_step);
        } else if (strcmp(a, "--key-cache") == 0 && !is_measure) {
            if (!parse_key_cache(v, &key_cache)) {
                fprintf(stderr,
                        "postq-enclave: --key-cache takes a number of keys from 0 to %d "
                        "(0: no cache), not '%s'\n",
                        POSTQ_ENCLAVE_KEYCACHE_MAX, v);
                return 2;
            }
        } else {
            ok = 0;
        }
        if (!ok) {
            fprintf(stderr, "postq-enclave: bad argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
        i++;
    }

    /* Before any secret exists: no core dumps, no ptrace by other processes of this user, and
     * nothing it writes readable by others. */
    umask(077);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        fprintf(stderr, "postq-enclave: cannot make the process non-dumpable\n");
        return 3;
    }
    fault = fault_from_env();
    if (fault < 0) {
        return 2;
    }

    if (secret != NULL && root_alg != 0) {
        fprintf(stderr, "postq-enclave: --root with --secret: the secret names its root "
                        "(postq-enclave secret new --root ALG)\n");
        return 2;
    }
    err = postq_enclave_open_ex(&e, state, secret, root_alg, !is_measure, (uint64_t)counter_step,
                                detail, sizeof(detail));
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-enclave: %s\n", detail);
        return err == POSTQ_E_CONFLICT || err == POSTQ_E_ARG ? 2 : 3;
    }
    if (is_measure) {
        rc = measure(&e);
        postq_enclave_close(&e);
        return rc;
    }
    if (!e.sec_locked) {
        fprintf(stderr, "postq-enclave: WARNING: mlock failed (RLIMIT_MEMLOCK?): keys may be "
                        "swapped out\n");
    }
    err = postq_enclave_log_init(&e, log_name, detail, sizeof(detail));
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-enclave: %s\n", detail);
        postq_enclave_close(&e);
        return err == POSTQ_E_ARG ? 2 : 3;
    }
    /* The expanded keys (and the composite root's) in locked memory. When the memory cannot be
     * locked the enclave runs without them, as it did before it had a cache: every sign then
     * unseals and expands its key, and no expanded key is kept where it could be swapped out. */
    err = postq_enclave_keycache_open(&e, key_cache, detail, sizeof(detail));
    if (err == POSTQ_E_TOO_LARGE) {
        fprintf(stderr,
                "postq-enclave: WARNING: %s. Running without expanded keys: every sign unseals "
                "and expands its key (slower)\n",
                detail);
    } else if (err != POSTQ_OK) {
        fprintf(stderr, "postq-enclave: %s\n", detail);
        postq_enclave_close(&e);
        return err == POSTQ_E_ARG ? 2 : 3;
    } else {
        fprintf(stderr, "postq-enclave: key cache: %zu keys%s, the log's, %zu KiB of locked memory\n",
                key_cache, e.root_skey != NULL ? ", the root's" : "",
                postq_enclave_keycache_bytes(key_cache, (e.root_skey != NULL) +
                                                            (e.log_skey != NULL)) / 1024);
    }
    e.fault = fault;
    if (fault != 0) {
        if (postq_rand_bytes(e.sec->fault_root_seed, 32) != POSTQ_OK) {
            postq_enclave_keycache_close(&e);
            postq_enclave_close(&e);
            return 3;
        }
        fprintf(stderr,
                "postq-enclave: *** WARNING: TEST FAULT MODE '%s' IS ON: this enclave produces "
                "deliberately bad attestation documents. Tests only. ***\n",
                postq_enclave_fault_name(fault));
    }

    if (listen_addr == NULL) {
        snprintf(sock, sizeof(sock), "%s/enclave.sock", state);
    } else if (strncmp(listen_addr, "unix:", 5) == 0 && listen_addr[5] != 0) {
        snprintf(sock, sizeof(sock), "%s", listen_addr + 5);
    } else {
        fprintf(stderr, "postq-enclave: --listen takes unix:PATH\n");
        postq_enclave_keycache_close(&e);
        postq_enclave_close(&e);
        return 2;
    }
    o.socket_path = sock;
    err = postq_enclave_serve(&e, &o);
    if (err == POSTQ_OK) {
        postq_enclave_keycache_stats(e.keys, &st);
        fprintf(stderr,
                "postq-enclave: key cache: %llu hits, %llu misses (%llu not cached), %llu "
                "evictions, %llu sealed keys refused\n",
                (unsigned long long)st.hits, (unsigned long long)st.misses,
                (unsigned long long)st.uncached, (unsigned long long)st.evictions,
                (unsigned long long)st.refused);
    }
    postq_enclave_keycache_close(&e); /* wipes every expanded key */
    postq_enclave_close(&e);
    if (err != POSTQ_OK) {
        return err == POSTQ_E_CONFLICT || err == POSTQ_E_ARG ? 2 : 3;
    }
    fprintf(stderr, "postq-enclave: stopped\n");
    return 0;
}

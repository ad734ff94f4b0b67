/* SPDX-License-Identifier: Apache-2.0 */
/* Time-ordered ids (the layout table is in id.h). Randomness comes straight from getrandom(2):
 * common may not depend on crypto, and these bits need uniqueness, not secrecy. */
#include "common/id.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include "common/timefmt.h"

static const char alphabet[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t last_ms;
static uint8_t last_rand[10];
static int have_last;

static size_t prefix_len(const char *prefix)
{
    size_t n = 0;
    while (prefix[n] != '\0') {
        if (prefix[n] < 'a' || prefix[n] > 'z' || n == POSTQ_ID_PREFIX_MAX) {
            return 0;
        }
        n++;
    }
    return n;
}

static int fill_random(uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

/* Add one to the 80-bit big-endian value; returns 1 when it wrapped to zero. */
static int increment(uint8_t *v, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        if (++v[i] != 0) {
            return 0;
        }
    }
    return 1;
}

/* The next (time, random) pair after the last one handed out, under id_lock. */
static postq_err next_value(uint8_t value[16])
{
    uint64_t now = (uint64_t)postq_time_now_ms() & 0xFFFFFFFFFFFFull;
    uint8_t fresh[10];

    if (fill_random(fresh, sizeof(fresh)) != 0) {
        return POSTQ_E_RNG;
    }
    pthread_mutex_lock(&id_lock);
    if (have_last && now <= last_ms) {
        now = last_ms;
        memcpy(fresh, last_rand, sizeof(fresh));
        if (increment(fresh, sizeof(fresh))) {
            now++; /* 2^80 ids in one millisecond: borrow the next one */
        }
    }
    last_ms = now;
    memcpy(last_rand, fresh, sizeof(fresh));
    have_last = 1;
    pthread_mutex_unlock(&id_lock);

    for (size_t i = 0; i < 6; i++) {
        value[i] = (uint8_t)(now >> (40 - 8 * i));
    }
    memcpy(value + 6, fresh, sizeof(fresh));
    return POSTQ_OK;
}

/* Bit k (0 = most significant) of the 130-bit number 00 || value. */
static unsigned bit_at(const uint8_t value[16], size_t k)
{
    if (k < 2) {
        return 0;
    }
    k -= 2;
    return (unsigned)(value[k / 8] >> (7 - k % 8)) & 1u;
}

postq_err postq_id_new(char *out, size_t cap, const char *prefix)
{
    uint8_t value[16];
    size_t plen;
    postq_err err;

    if (out == NULL || prefix == NULL) {
        return POSTQ_E_ARG;
    }
    if (cap > 0) {
        out[0] = '\0';
    }
    plen = prefix_len(prefix);
    if (plen == 0) {
        return POSTQ_E_ARG;
    }
    if (cap < plen + 1 + POSTQ_ID_BODY_CHARS + 1) {
        return POSTQ_E_LENGTH;
    }
    err = next_value(value);
    if (err != POSTQ_OK) {
        return err;
    }
    memcpy(out, prefix, plen);
    out[plen] = '_';
    for (size_t c = 0; c < POSTQ_ID_BODY_CHARS; c++) {
        unsigned v = 0;
        for (size_t b = 0; b < 5; b++) {
            v = (v << 1) | bit_at(value, 5 * c + b);
        }
        out[plen + 1 + c] = alphabet[v];
    }
    out[plen + 1 + POSTQ_ID_BODY_CHARS] = '\0';
    return POSTQ_OK;
}

postq_err postq_id_check(const char *s, const char *prefix)
{
    size_t plen;

    if (s == NULL || prefix == NULL) {
        return POSTQ_E_ARG;
    }
    plen = prefix_len(prefix);
    if (plen == 0) {
        return POSTQ_E_ARG;
    }
    if (strncmp(s, prefix, plen) != 0 || s[plen] != '_') {
        return POSTQ_E_MALFORMED;
    }
    s += plen + 1;
    for (size_t i = 0; i < POSTQ_ID_BODY_CHARS; i++) {
        if (s[i] == '\0' || memchr(alphabet, s[i], 32) == NULL) {
            return POSTQ_E_MALFORMED;
        }
    }
    if (s[0] > '7' || s[POSTQ_ID_BODY_CHARS] != '\0') {
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* postq log info and postq log monitor [docs/transparency.md]: the organisation's transparency
 * log as a monitor sees it. monitor keeps, in a state file, the last checkpoint it accepted and
 * the right edge of that tree (the hashes of its perfect subtrees, at most 64); each run it
 * fetches the newest checkpoint, checks it is signed by the pinned log key, checks it extends
 * the last one (size not smaller; the consistency proof; the same root at the same size), reads
 * the new entries from the tlog-tiles entry bundles, appends their leaf hashes to the right edge
 * and requires the resulting root to be the checkpoint's: so every listed entry is in the
 * signed tree, and no entry is hidden from the monitor. Only then is the state replaced. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <postq/attest.h>
#include <postq/client.h>

#include "attest/tlog.h"
#include "cli/cli.h"
#include "cli/remote.h"
#include "common/base64.h"
#include "common/mem.h"
#include "common/timefmt.h"
#include "crypto/merkle.h"

#define STATE_MAX 65536
#define LOG_KEYS_MAX 2
/* Entries one run reads at most (--max-entries): what it holds in memory until the tree is
 * checked, and a bound on a run against a log that claims an enormous size. */
#define MAX_ENTRIES_DEFAULT 65536
#define MAX_ENTRIES_LIMIT   1048576

static const char log_usage[] =
    "usage: postq log info [--verifier-key-out FILE] [--composite-key-out FILE] [--json]\n"
    "       postq log monitor --log-key VKEY [--log-key VKEY] --state FILE [--key ID]\n"
    "                         [--max-entries N] [--json]\n"
    "\n"
    "The organisation's transparency log (docs/transparency.md).\n"
    "  info      its origin, verifier keys and newest checkpoint (GET /v1/log): pin a verifier\n"
    "            key where you verify (postq verify --log-key, your monitor); --verifier-key-out\n"
    "            and --composite-key-out write the Ed25519 and the ML-DSA-65+Ed25519 key's line\n"
    "  monitor   fetch the newest checkpoint, check it is signed by the pinned key(s) and extends\n"
    "            the one FILE holds (no fork, no rollback), read the entries added since, check\n"
    "            they are exactly the checkpoint's tree, list them (only key ID's with --key),\n"
    "            then keep the checkpoint in FILE. The first run reads the whole log, at most N\n"
    "            entries a run (--max-entries, default 65536): a longer log is read over several\n"
    "            runs, each ending at a checkpoint the log signs for it. One run at a time per\n"
    "            FILE (FILE.lock). For cron or CI: exit 1 means the log cannot be trusted "
    "(FILE is\n"
    "            kept as it was).\n"
    "\n"
    "Environment: POSTQ_API_URL (default http://127.0.0.1:8080), POSTQ_API_KEY.\n"
    "Exit: 0 done, 1 rejected (rejected: log_checkpoint_invalid | log_inconsistent: ...),\n"
    "2 usage, unreadable input or FILE in use by another run, 3 server or network error.\n";

/* What the state file holds: the last accepted checkpoint and its tree's right edge. */
struct mon_state {
    int have;
    char origin[POSTQ_TLOG_ORIGIN_MAX];
    uint64_t size;
    uint8_t root[32];
    struct postq_merkle_node edge[64]; /* the perfect subtrees of the tree, one per set bit */
    size_t n_edge;
};

static int rejected(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rejected(const char *reason, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "rejected: %s: ", reason);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_REJECTED;
}

static int b64_32(const char *s, uint8_t out[32])
{
    uint8_t buf[48];
    size_t n = 0;
    if (s == NULL || strlen(s) != 44 ||
        postq_base64_decode_public(buf, sizeof(buf), &n, s, 44, POSTQ_B64_STD) != POSTQ_OK ||
        n != 32) {
        return 0;
    }
    memcpy(out, buf, 32);
    return 1;
}

/* The right edge of a tree of size leaves: node (b, (size >> b) - 1) for each set bit b. */
static int edge_get(const struct mon_state *st, unsigned level, uint64_t index, uint8_t out[32])
{
    for (size_t i = 0; i < st->n_edge; i++) {
        if (st->edge[i].level == level && st->edge[i].index == index) {
            memcpy(out, st->edge[i].hash, 32);
            return 1;
        }
    }
    return 0;
}

static postq_err edge_fetch(void *ctx, unsigned level, uint64_t index, postq_merkle_hash out)
{
    return edge_get(ctx, level, index, out) ? POSTQ_OK : POSTQ_E_NOT_FOUND;
}

/* Append leaf as leaf number st->size; st's edge becomes the new tree's. */
static postq_err edge_append(struct mon_state *st, const uint8_t leaf[32])
{
    struct postq_merkle_node made[POSTQ_MERKLE_PROOF_MAX + 1];
    struct mon_state next;
    size_t n = 0;
    postq_err err = postq_merkle_append(made, &n, st->size, leaf, edge_fetch, st);
    if (err != POSTQ_OK) {
        return err;
    }
    memset(&next, 0, sizeof(next));
    next.size = st->size + 1;
    for (unsigned b = 64; b-- > 0;) {
        uint64_t idx;
        if (((next.size >> b) & 1) == 0) {
            continue;
        }
        idx = (next.size >> b) - 1;
        next.edge[next.n_edge].level = b;
        next.edge[next.n_edge].index = idx;
        if (!edge_get(st, b, idx, next.edge[next.n_edge].hash)) {
            size_t k = 0;
            while (k < n && !(made[k].level == b && made[k].index == idx)) {
                k++;
            }
            if (k == n) {
                return POSTQ_E_INTERNAL;
            }
            memcpy(next.edge[next.n_edge].hash, made[k].hash, 32);
        }
        next.n_edge++;
    }
    st->size = next.size;
    memcpy(st->edge, next.edge, sizeof(next.edge));
    st->n_edge = next.n_edge;
    return POSTQ_OK;
}

/* The state file: {"origin", "size", "rootB64", "edge": [[level, index, "b64"], ...],
 * "checkpoint", "checkedAt"}. 0 when absent (a first run), 1 read, -1 unusable (printed). */
static int state_read(const char *path, struct mon_state *st)
{
    struct postq_buf b;
    struct stat sb;
    json_t *o, *e, *edge;
    size_t i;
    int ok = 1;

    memset(st, 0, sizeof(*st));
    if (stat(path, &sb) != 0) {
        return 0;
    }
    if (cli_read_file(&b, path, STATE_MAX, "state") != POSTQ_OK) {
        return -1;
    }
    o = cli_json_parse((const char *)b.p);
    postq_buf_free(&b);
    edge = o != NULL ? json_object_get(o, "edge") : NULL;
    if (o == NULL || !json_is_string(json_object_get(o, "origin")) ||
        !json_is_integer(json_object_get(o, "size")) || !json_is_array(edge) ||
        json_integer_value(json_object_get(o, "size")) < 0 ||
        json_array_size(edge) > 64 ||
        strlen(cli_json_str(o, "origin")) >= sizeof(st->origin) ||
        !b64_32(cli_json_str(o, "rootB64"), st->root)) {
        ok = 0;
    }
    if (ok) {
        snprintf(st->origin, sizeof(st->origin), "%s", cli_json_str(o, "origin"));
        st->size = (uint64_t)json_integer_value(json_object_get(o, "size"));
        json_array_foreach(edge, i, e) {
            json_t *l = json_array_get(e, 0), *x = json_array_get(e, 1);
            if (!json_is_array(e) || json_array_size(e) != 3 || !json_is_integer(l) ||
                !json_is_integer(x) || json_integer_value(l) < 0 || json_integer_value(l) > 63 ||
                json_integer_value(x) < 0 ||
                !b64_32(json_string_value(json_array_get(e, 2)), st->edge[i].hash)) {
                ok = 0;
                break;
            }
            st->edge[i].level = (unsigned)json_integer_value(l);
            st->edge[i].index = (uint64_t)json_integer_value(x);
        }
        st->n_edge = json_array_size(edge);
    }
    if (ok) {
        /* The edge must be the tree's own: exactly one node per set bit of the size, node
         * (b, (size >> b) - 1), and its root the recorded root. (An extra node would be
         * preferred to the one an append computes, and raise a false alarm later.) */
        uint8_t root[32], h[32];
        ok = st->n_edge == (size_t)__builtin_popcountll(st->size);
        for (unsigned bit = 0; ok && bit < 64; bit++) {
            ok = ((st->size >> bit) & 1) == 0 || edge_get(st, bit, (st->size >> bit) - 1, h);
        }
        ok = ok && postq_merkle_root_from(root, st->size, edge_fetch, st) == POSTQ_OK &&
             memcmp(root, st->root, 32) == 0;
    }
    json_decref(o);
    if (!ok) {
        fprintf(stderr, "postq: state: %s: not a state file of postq log monitor (or damaged)\n",
                cli_shown(path));
        return -1;
    }
    st->have = 1;
    return 1;
}

static int state_write(const char *path, const struct mon_state *st, const char *note)
{
    json_t *o = json_object(), *edge = json_array();
    char b64[48], when[POSTQ_TIME_RFC3339_MAX];
    char *text;
    int rc;

    for (size_t i = 0; i < st->n_edge; i++) {
        if (postq_base64_encode(b64, sizeof(b64), NULL, st->edge[i].hash, 32, POSTQ_B64_STD) !=
            POSTQ_OK) {
            b64[0] = '\0';
        }
        json_array_append_new(edge, json_pack("[I,I,s]", (json_int_t)st->edge[i].level,
                                              (json_int_t)st->edge[i].index, b64));
    }
    if (postq_base64_encode(b64, sizeof(b64), NULL, st->root, 32, POSTQ_B64_STD) != POSTQ_OK) {
        b64[0] = '\0';
    }
    json_object_set_new(o, "origin", json_string(st->origin));
    json_object_set_new(o, "size", json_integer((json_int_t)st->size));
    json_object_set_new(o, "rootB64", json_string(b64));
    json_object_set_new(o, "edge", edge);
    json_object_set_new(o, "checkpoint", note != NULL ? json_string(note) : json_null());
    if (postq_time_format(when, sizeof(when), postq_time_now_ms()) == POSTQ_OK) {
        json_object_set_new(o, "checkedAt", json_string(when));
    }
    text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (text == NULL) {
        fprintf(stderr, "postq: state: out of memory\n");
        return CLI_SERVER;
    }
    rc = cli_write_atomic(path, text, strlen(text), "state") == POSTQ_OK ? CLI_OK : CLI_USAGE;
    free(text);
    return rc;
}

/* One entry's line: "<index> <signature> key <keyId> v<version> <created> <verdict> <vendor>".
 * Fields come from the entry text (DESIGN §13); *key gets its key id. */
static void entry_fields(const char *e, size_t len, char *sig, char *key, char *ver, char *created,
                         char *verdict, char *att)
{
    char line[256];
    size_t at = 0;
    sig[0] = key[0] = ver[0] = created[0] = verdict[0] = att[0] = '\0';
    while (at < len) {
        size_t n = 0;
        while (at + n < len && e[at + n] != '\n') {
            n++;
        }
        if (n < sizeof(line)) {
            memcpy(line, e + at, n);
            line[n] = '\0';
            (void)(sscanf(line, "signature %127s", sig) == 1 ||
                   sscanf(line, "key %127s %31s", key, ver) == 2 ||
                   sscanf(line, "created %63s", created) == 1 ||
                   sscanf(line, "verdict %63[^\n]", verdict) == 1 ||
                   sscanf(line, "attestation %31s", att) == 1);
        }
        at += n + 1;
    }
}

/* Whether e is an entry's text as DESIGN §13 writes it: printable ASCII lines, each ended by
 * LF, the first "postq-log-entry/v1". Anything else is listed as malformed, never parsed. */
static int entry_wellformed(const uint8_t *e, size_t n)
{
    static const char head[] = "postq-log-entry/v1\n";
    if (n < sizeof(head) - 1 || memcmp(e, head, sizeof(head) - 1) != 0 || e[n - 1] != '\n') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (e[i] != '\n' && (e[i] < 0x20 || e[i] > 0x7e)) {
            return 0;
        }
    }
    return 1;
}

/* The listing's item for entry i: its fields, or {logIndex, malformed, entryBase64}. NULL and
 * *keep 0 when --key filters it out (a malformed entry is always listed: its key is unknown). */
static json_t *entry_item(uint64_t i, const uint8_t *e, size_t n, const char *only_key, int *keep)
{
    char sig[128], key[128], ver[32], created[64], verdict[64], att[32];
    json_t *o;
    char *b64;
    size_t cap = (n + 2) / 3 * 4 + 1;

    *keep = 1;
    if (entry_wellformed(e, n)) {
        entry_fields((const char *)e, n, sig, key, ver, created, verdict, att);
        if (only_key != NULL && strcmp(key, only_key) != 0) {
            *keep = 0;
            return NULL;
        }
        return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "logIndex", (json_int_t)i, "signature",
                         sig, "keyId", key, "keyVersion", ver, "createdAt", created, "verdict",
                         verdict, "attestation", att);
    }
    b64 = malloc(cap);
    if (b64 == NULL || postq_base64_encode(b64, cap, NULL, e, n, POSTQ_B64_STD) != POSTQ_OK) {
        free(b64);
        return NULL;
    }
    o = json_pack("{s:I,s:b,s:s}", "logIndex", (json_int_t)i, "malformed", 1, "entryBase64", b64);
    free(b64);
    return o;
}

/* Read entries [st->size, to) from the bundles, append each to st's tree and add its item to
 * list. Nothing is printed here: the caller lists them once the tree is checked. */
static int read_entries(struct postq_client *c, struct mon_state *st, uint64_t to,
                        const char *only_key, json_t *list, int json)
{
    while (st->size < to) {
        uint64_t tile = st->size / 256, first = tile * 256;
        uint64_t end = to < first + 256 ? to : first + 256;
        uint8_t *data = NULL;
        size_t len = 0, at = 0;
        postq_err err = postq_client_log_entries(c, (int64_t)tile, (int)(end - first), &data,
                                                 &len);
        if (err != POSTQ_OK) {
            return cli_failed(c, err, "log entries", json);
        }
        for (uint64_t i = first; i < end; i++) {
            size_t n;
            uint8_t leaf[32];
            if (at + 2 > len || at + 2 + ((size_t)data[at] << 8 | data[at + 1]) > len) {
                postq_text_free((char *)data);
                return rejected(POSTQ_REASON_LOG_INCONSISTENT,
                                "the log served a truncated entry bundle (tile %llu)",
                                (unsigned long long)tile);
            }
            n = (size_t)data[at] << 8 | data[at + 1];
            at += 2;
            if (i >= st->size) {
                int keep;
                json_t *item;
                if (postq_merkle_leaf_hash(leaf, data + at, n) != POSTQ_OK ||
                    edge_append(st, leaf) != POSTQ_OK) {
                    postq_text_free((char *)data);
                    fprintf(stderr, "postq: log: hashing failed\n");
                    return CLI_SERVER;
                }
                item = entry_item(i, data + at, n, only_key, &keep);
                if (keep && (item == NULL || json_array_append_new(list, item) != 0)) {
                    postq_text_free((char *)data);
                    fprintf(stderr, "postq: log: out of memory\n");
                    return CLI_SERVER;
                }
            }
            at += n;
        }
        if (at != len) {
            postq_text_free((char *)data);
            return rejected(POSTQ_REASON_LOG_INCONSISTENT,
                            "the log served extra bytes after tile %llu's entries",
                            (unsigned long long)tile);
        }
        postq_text_free((char *)data);
    }
    return CLI_OK;
}

/* Print the checked entries, a line each; a malformed one is also counted on stderr. */
static void list_entries(const json_t *list)
{
    size_t i, bad = 0;
    json_t *e;

    json_array_foreach (list, i, e) {
        long long at = (long long)json_integer_value(json_object_get(e, "logIndex"));
        if (json_is_true(json_object_get(e, "malformed"))) {
            printf("%lld  malformed entry (not a postq-log-entry/v1 text), base64 %s\n", at,
                   cli_json_str(e, "entryBase64"));
            bad++;
        } else {
            /* A well-formed entry is printable ASCII: nothing to escape. */
            printf("%lld  %s  key %s v%s  %s  %s  %s\n", at, cli_json_str(e, "signature"),
                   cli_json_str(e, "keyId"), cli_json_str(e, "keyVersion"),
                   cli_json_str(e, "createdAt"), cli_json_str(e, "verdict"),
                   cli_json_str(e, "attestation"));
        }
    }
    if (bad > 0) {
        fprintf(stderr, "postq: log: %zu entr%s in the signed tree %s not a signature's entry\n",
                bad, bad == 1 ? "y" : "ies", bad == 1 ? "is" : "are");
    }
}

static int parse_keys(const char *const *args, size_t n, struct postq_tlog_vkey *keys)
{
    for (size_t i = 0; i < n; i++) {
        char text[POSTQ_TLOG_VKEY_MAX];
        if (cli_read_log_key(args[i], text, sizeof(text)) != POSTQ_OK ||
            postq_tlog_vkey_parse(&keys[i], text, strlen(text)) != POSTQ_OK) {
            return CLI_USAGE;
        }
        if (i > 0 && strcmp(keys[i].name, keys[0].name) != 0) {
            return cli_usage_error("log monitor: the --log-key keys name two logs (%s, %s)",
                                   cli_shown(keys[0].name), cli_shown(keys[i].name));
        }
        if (i > 0 && keys[i].type == keys[0].type && keys[i].id == keys[0].id) {
            return cli_usage_error("log monitor: --log-key names the same key twice (%s+%08x)",
                                   cli_shown(keys[i].name), (unsigned)keys[i].id);
        }
    }
    return CLI_OK;
}

/* Check the note against keys; fill cp. */
static int checkpoint_ok(const char *note, const struct postq_tlog_vkey *keys, size_t n,
                         struct postq_tlog_checkpoint *cp)
{
    char detail[160];
    postq_err err = postq_tlog_note_verify(note, strlen(note), keys, n, cp, detail, sizeof(detail));
    if (err != POSTQ_OK) {
        return rejected(POSTQ_REASON_LOG_CHECKPOINT_INVALID,
                        "the log's checkpoint is not signed by the pinned key%s: %s",
                        n > 1 ? "s" : "", cli_shown(detail));
    }
    if (postq_tlog_origin_check(cp->origin, keys[0].name) != POSTQ_OK) {
        return rejected(POSTQ_REASON_LOG_CHECKPOINT_INVALID,
                        "the checkpoint's origin \"%s\" is not \"%s/<organisation id>\"",
                        cli_shown(cp->origin), cli_shown(keys[0].name));
    }
    return CLI_OK;
}

/* One run at a time per state file: an exclusive lock on FILE.lock for the whole run, so that
 * two runs (cron's next one beside a slow one) never replace the state out of order. The lock
 * file holds nothing and stays. */
static int state_lock(const char *path, int *fd)
{
    size_t n = strlen(path);
    char *lp = malloc(n + sizeof(".lock"));

    *fd = -1;
    if (lp == NULL) {
        fprintf(stderr, "postq: state: out of memory\n");
        return CLI_SERVER;
    }
    memcpy(lp, path, n);
    memcpy(lp + n, ".lock", sizeof(".lock"));
    *fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0 || flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        if (*fd >= 0 && errno == EWOULDBLOCK) {
            fprintf(stderr,
                    "postq: state: %s is in use by another postq log monitor (%s is locked); "
                    "this run changed nothing\n",
                    cli_shown(path), cli_shown(lp));
        } else {
            fprintf(stderr, "postq: state: %s: %s\n", cli_shown(lp), strerror(errno));
        }
        if (*fd >= 0) {
            close(*fd);
            *fd = -1;
        }
        free(lp);
        return CLI_USAGE;
    }
    free(lp);
    return CLI_OK;
}

/* GET /v1/log/proof?from=FROM&to=TO: its checkpoint, which must be signed by the pinned keys,
 * of log origin (when not NULL) and of TO entries, into *cp (its text into *note, when not
 * NULL); its consistency proof into prf. *held keeps the answer, which *note points into. */
static int fetch_proof(struct postq_client *c, uint64_t from, uint64_t to, const char *origin,
                       const struct postq_tlog_vkey *keys, size_t n_keys,
                       struct postq_tlog_checkpoint *cp, const char **note,
                       postq_merkle_hash prf[64], size_t *np, json_t **held, int json)
{
    char *text = NULL;
    json_t *p, *e;
    size_t k;
    int rc = postq_client_log_proof(c, (int64_t)from, (int64_t)to, &text);

    *np = 0;
    if (rc != POSTQ_OK) {
        return cli_failed(c, rc, "log proof", json);
    }
    *held = cli_json_parse(text);
    postq_text_free(text);
    p = *held != NULL ? json_object_get(*held, "consistencyProof") : NULL;
    if (!json_is_array(p) || json_array_size(p) > 64 ||
        !json_is_string(json_object_get(*held, "checkpoint"))) {
        fprintf(stderr, "postq: log proof: the server's answer is not a proof\n");
        return CLI_SERVER;
    }
    if (note != NULL) {
        *note = json_string_value(json_object_get(*held, "checkpoint"));
    }
    rc = checkpoint_ok(json_string_value(json_object_get(*held, "checkpoint")), keys, n_keys, cp);
    if (rc != CLI_OK) {
        return rc;
    }
    if (cp->size != to || (origin != NULL && strcmp(cp->origin, origin) != 0)) {
        return rejected(POSTQ_REASON_LOG_INCONSISTENT,
                        "asked for the checkpoint of %llu entries, the log answered one of %llu "
                        "(log %s)",
                        (unsigned long long)to, (unsigned long long)cp->size,
                        cli_shown(cp->origin));
    }
    json_array_foreach (p, k, e) {
        if (!b64_32(json_string_value(e), prf[k])) {
            fprintf(stderr, "postq: log proof: a hash is not base64 of 32 bytes\n");
            return CLI_SERVER;
        }
        (*np)++;
    }
    return CLI_OK;
}

/* --json: print o, indented, and release it. */
static void print_report(json_t *o)
{
    char *s = o != NULL ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (s != NULL) {
        puts(s);
        free(s);
    }
    json_decref(o);
}

static int monitor(int argc, char **argv)
{
    const char *key_args[LOG_KEYS_MAX], *state_path = NULL, *only_key = NULL, *v, *max_arg = NULL;
    struct postq_tlog_vkey *keys = NULL;
    struct postq_tlog_checkpoint cp, cpt;
    struct postq_client *c = NULL;
    struct mon_state *st = NULL, *old = NULL;
    json_t *info = NULL, *proof = NULL, *tproof = NULL, *proof2 = NULL, *list = json_array(), *p;
    char *text = NULL, hex_old[65], hex_new[65];
    const char *note, *tnote;
    postq_merkle_hash prf[64];
    size_t n_keys = 0, np = 0;
    uint64_t max_entries = MAX_ENTRIES_DEFAULT, target;
    int json = 0, rc, first, lock_fd = -1;

    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(log_usage, stdout);
            json_decref(list);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (cli_opt_value(argc, argv, &i, "--log-key", &v)) {
            if (n_keys == LOG_KEYS_MAX) {
                json_decref(list);
                return cli_usage_error("log monitor: at most %d --log-key", LOG_KEYS_MAX);
            }
            key_args[n_keys++] = v;
        } else if (!cli_opt_value(argc, argv, &i, "--state", &state_path) &&
                   !cli_opt_value(argc, argv, &i, "--key", &only_key) &&
                   !cli_opt_value(argc, argv, &i, "--max-entries", &max_arg)) {
            fputs(log_usage, stderr);
            json_decref(list);
            return cli_usage_error("log monitor: unknown argument \"%s\"", argv[i]);
        }
    }
    if (n_keys == 0 || state_path == NULL) {
        fputs(log_usage, stderr);
        json_decref(list);
        return cli_usage_error("log monitor: --log-key and --state are required");
    }
    if (strcmp(state_path, "-") == 0) {
        json_decref(list);
        return cli_usage_error("log monitor: --state needs a file (it is read and replaced)");
    }
    if (max_arg != NULL) {
        char *end;
        unsigned long long m = strtoull(max_arg, &end, 10);
        if (max_arg[0] < '1' || max_arg[0] > '9' || *end != '\0' || m > MAX_ENTRIES_LIMIT) {
            json_decref(list);
            return cli_usage_error("log monitor: --max-entries: \"%s\" is not a number from 1 "
                                   "to %d",
                                   cli_shown(max_arg), MAX_ENTRIES_LIMIT);
        }
        max_entries = m;
    }
    keys = calloc(LOG_KEYS_MAX, sizeof(*keys));
    st = calloc(1, sizeof(*st));
    old = calloc(1, sizeof(*old));
    if (keys == NULL || st == NULL || old == NULL || list == NULL) {
        rc = CLI_SERVER;
        goto out;
    }
    rc = parse_keys(key_args, n_keys, keys);
    if (rc != CLI_OK) {
        goto out;
    }
    if (cli_check_writable(state_path, "state") != POSTQ_OK) {
        rc = CLI_USAGE;
        goto out;
    }
    rc = state_lock(state_path, &lock_fd);
    if (rc != CLI_OK) {
        goto out;
    }
    first = state_read(state_path, old);
    if (first < 0) {
        rc = CLI_USAGE;
        goto out;
    }
    rc = cli_open_client(&c);
    if (rc != CLI_OK) {
        goto out;
    }
    rc = postq_client_log_info(c, &text);
    if (rc != POSTQ_OK) {
        rc = cli_failed(c, rc, "log", json);
        goto out;
    }
    info = cli_json_parse(text);
    p = info != NULL ? json_object_get(info, "checkpoint") : NULL;
    if (p == NULL || !(json_is_string(p) || json_is_null(p))) {
        fprintf(stderr, "postq: log: the server's answer is not a log description\n");
        rc = CLI_SERVER;
        goto out;
    }
    if (json_is_null(p)) {
        /* An empty log: only a monitor that saw nothing yet accepts it. Nothing signed says
         * whose log it is, so the state is not written: the next run is a first run. */
        if (old->have && old->size > 0) {
            rc = rejected(POSTQ_REASON_LOG_INCONSISTENT,
                          "the log is empty now; it had %llu entries (rollback)",
                          (unsigned long long)old->size);
            goto out;
        }
        if (json) {
            json_t *o = json_pack("{s:s,s:i,s:i,s:i,s:o}", "origin", cli_json_str(info, "origin"),
                                  "size", 0, "previousSize", 0, "remaining", 0, "entries", list);
            list = NULL; /* o holds it */
            print_report(o);
        } else {
            printf("log %s: empty\n", cli_json_shown(info, "origin"));
        }
        rc = CLI_OK;
        goto out;
    }
    note = json_string_value(p);
    rc = checkpoint_ok(note, keys, n_keys, &cp);
    if (rc != CLI_OK) {
        goto out;
    }
    cli_hex(hex_new, cp.root, 32);
    if (old->have) {
        cli_hex(hex_old, old->root, 32);
        /* (A state of an empty log names an origin nothing signed: not held against the log.) */
        if (old->size > 0 && strcmp(old->origin, cp.origin) != 0) {
            rc = rejected(POSTQ_REASON_LOG_CHECKPOINT_INVALID,
                          "the checkpoint is of log %s; the state follows %s",
                          cli_shown(cp.origin), cli_shown(old->origin));
            goto out;
        }
        if (cp.size < old->size) {
            rc = rejected(POSTQ_REASON_LOG_INCONSISTENT,
                          "the log went back from %llu entries (root %s) to %llu (root %s): "
                          "rollback",
                          (unsigned long long)old->size, hex_old, (unsigned long long)cp.size,
                          hex_new);
            goto out;
        }
        if (cp.size == old->size && memcmp(cp.root, old->root, 32) != 0) {
            rc = rejected(POSTQ_REASON_LOG_INCONSISTENT,
                          "two checkpoints of %llu entries with different roots (%s, %s): "
                          "the log forked",
                          (unsigned long long)cp.size, hex_old, hex_new);
            goto out;
        }
        if (old->size > 0 && cp.size > old->size) {
            /* The server's consistency proof, to the checkpoint of this very size. */
            struct postq_tlog_checkpoint cp2;
            rc = fetch_proof(c, old->size, cp.size, cp.origin, keys, n_keys, &cp2, NULL, prf, &np,
                             &proof, json);
            if (rc != CLI_OK) {
                goto out;
            }
            if (memcmp(cp2.root, cp.root, 32) != 0) {
                rc = rejected(POSTQ_REASON_LOG_INCONSISTENT,
                              "two signed checkpoints of %llu entries with different roots: "
                              "the log forked",
                              (unsigned long long)cp.size);
                goto out;
            }
            if (postq_merkle_verify_consistency(old->size, cp.size, old->root, cp.root, prf,
                                                np) != POSTQ_OK) {
                rc = rejected(POSTQ_REASON_LOG_INCONSISTENT,
                              "the checkpoint of %llu entries does not extend the one of %llu "
                              "the state holds (the consistency proof fails): the log forked",
                              (unsigned long long)cp.size, (unsigned long long)old->size);
                goto out;
            }
        }
        *st = *old;
    } else {
        memset(st, 0, sizeof(*st));
    }
    snprintf(st->origin, sizeof(st->origin), "%s", cp.origin);

    /* This run reads up to target: the checkpoint's size, or max_entries further, at a
     * checkpoint the log signs for that size and proves to be inside the newest one. */
    target = cp.size;
    cpt = cp;
    tnote = note;
    if (cp.size - st->size > max_entries) {
        target = st->size + max_entries;
        rc = fetch_proof(c, target, target, cp.origin, keys, n_keys, &cpt, &tnote, prf, &np,
                         &tproof, json);
        if (rc == CLI_OK) {
            struct postq_tlog_checkpoint cp3;
            rc = fetch_proof(c, target, cp.size, cp.origin, keys, n_keys, &cp3, NULL, prf, &np,
                             &proof2, json);
            if (rc == CLI_OK && (memcmp(cp3.root, cp.root, 32) != 0 ||
                                 postq_merkle_verify_consistency(target, cp.size, cpt.root, cp.root,
                                                                 prf, np) != POSTQ_OK)) {
                rc = rejected(POSTQ_REASON_LOG_INCONSISTENT,
                              "the log's checkpoint of %llu entries is not inside its newest, "
                              "of %llu: the log forked",
                              (unsigned long long)target, (unsigned long long)cp.size);
            }
        }
        if (rc != CLI_OK) {
            goto out;
        }
    }
    rc = read_entries(c, st, target, only_key, list, json);
    if (rc != CLI_OK) {
        goto out;
    }
    {
        uint8_t root[32];
        if (postq_merkle_root_from(root, st->size, edge_fetch, st) != POSTQ_OK ||
            memcmp(root, cpt.root, 32) != 0) {
            rc = rejected(POSTQ_REASON_LOG_INCONSISTENT,
                          "the entries the log served are not the signed checkpoint's tree "
                          "of %llu entries",
                          (unsigned long long)target);
            goto out;
        }
        memcpy(st->root, root, 32);
    }
    rc = state_write(state_path, st, tnote);
    if (rc != CLI_OK) {
        goto out;
    }
    /* Only now, the tree checked and the state kept, are the entries listed. */
    if (json) {
        json_t *o =
            json_pack("{s:s,s:I,s:s,s:I,s:I,s:o}", "origin", cp.origin, "size", (json_int_t)cp.size,
                      "rootHex", hex_new, "previousSize", (json_int_t)old->size, "remaining",
                      (json_int_t)(cp.size - target), "entries", list);
        list = NULL; /* o holds it */
        print_report(o);
        goto out;
    }
    if (old->have && cp.size == old->size) {
        printf("log %s: no new entries (%llu, root %s)\n", cli_shown(cp.origin),
               (unsigned long long)cp.size, hex_new);
        goto out;
    }
    if (target > old->size) { /* (old is all zero without a state) */
        uint64_t from = old->size;
        printf("log %s: %llu new entr%s (%llu to %llu)%s\n", cli_shown(cp.origin),
               (unsigned long long)(target - from), target - from == 1 ? "y" : "ies",
               (unsigned long long)from, (unsigned long long)target - 1,
               only_key != NULL ? ", of this key:" : ":");
        list_entries(list);
    }
    printf("consistent: checkpoint of %llu entries, root %s, signed by %s\n",
           (unsigned long long)cp.size, hex_new, cli_shown(keys[0].name));
    if (target < cp.size) {
        printf("read up to %llu (--max-entries %llu): %llu more entries; run again to read them\n",
               (unsigned long long)target, (unsigned long long)max_entries,
               (unsigned long long)(cp.size - target));
    }
out:
    if (lock_fd >= 0) {
        close(lock_fd);
    }
    json_decref(list);
    json_decref(info);
    json_decref(proof);
    json_decref(tproof);
    json_decref(proof2);
    postq_text_free(text);
    postq_client_free(c);
    free(keys);
    free(st);
    free(old);
    return rc;
}

/* Write the verifier key member name of o, and a newline, to path. */
static int write_key(const json_t *o, const char *name, const char *path)
{
    const char *k = cli_json_str(o, name);
    struct postq_tlog_vkey *v = malloc(sizeof(*v));
    char *line;
    int rc;

    if (v == NULL || postq_tlog_vkey_parse(v, k, strlen(k)) != POSTQ_OK) {
        free(v);
        fprintf(stderr, "postq: log info: the server's %s is not a verifier key\n", name);
        return CLI_SERVER;
    }
    free(v);
    line = malloc(strlen(k) + 2);
    if (line == NULL) {
        return CLI_SERVER;
    }
    sprintf(line, "%s\n", k);
    rc = cli_write_atomic(path, line, strlen(line), "verifier key") == POSTQ_OK ? CLI_OK : CLI_USAGE;
    free(line);
    return rc;
}

static int info_cmd(int argc, char **argv)
{
    struct postq_client *c = NULL;
    const char *ed_out = NULL, *comp_out = NULL;
    char *text = NULL;
    json_t *o = NULL;
    int json = 0, rc;

    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(log_usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (!cli_opt_value(argc, argv, &i, "--verifier-key-out", &ed_out) &&
                   !cli_opt_value(argc, argv, &i, "--composite-key-out", &comp_out)) {
            fputs(log_usage, stderr);
            return cli_usage_error("log info: unknown argument \"%s\"", argv[i]);
        }
    }
    if ((ed_out != NULL && cli_check_writable(ed_out, "verifier key") != POSTQ_OK) ||
        (comp_out != NULL && cli_check_writable(comp_out, "verifier key") != POSTQ_OK)) {
        return CLI_USAGE;
    }
    rc = cli_open_client(&c);
    if (rc != CLI_OK) {
        return rc;
    }
    rc = postq_client_log_info(c, &text);
    if (rc != POSTQ_OK) {
        rc = cli_failed(c, rc, "log info", json);
    } else if ((o = cli_json_parse(text)) == NULL) {
        fprintf(stderr, "postq: log info: the server's answer is not JSON\n");
        rc = CLI_SERVER;
    } else if ((ed_out != NULL && (rc = write_key(o, "verifierKey", ed_out)) != CLI_OK) ||
               (comp_out != NULL &&
                (rc = write_key(o, "compositeVerifierKey", comp_out)) != CLI_OK)) {
        /* said why */
    } else if (json) {
        cli_print_json(text);
    } else {
        printf("log %s, %lld entries\n", cli_json_shown(o, "origin"),
               (long long)json_integer_value(json_object_get(o, "size")));
        printf("  verifier key (Ed25519)          %s\n", cli_json_shown(o, "verifierKey"));
        printf("  verifier key (ML-DSA-65+Ed25519) %s\n",
               cli_short_key(cli_json_str(o, "compositeVerifierKey")));
        printf("pin one: postq verify ... --log-key KEY; postq log monitor --log-key KEY "
               "--state FILE\n");
    }
    json_decref(o);
    postq_text_free(text);
    postq_client_free(c);
    return rc;
}

int cli_cmd_log(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "monitor") == 0) {
        return monitor(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "info") == 0) {
        return info_cmd(argc - 1, argv + 1);
    }
    if (argc >= 2 && cli_is_help(argv[1])) {
        fputs(log_usage, stdout);
        return CLI_OK;
    }
    fputs(log_usage, stderr);
    {
        static const char *const subs[] = {"info", "monitor"};
        return cli_unknown_subcommand("log", argc >= 2 ? argv[1] : NULL, subs, 2);
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Who is calling and what they may do [docs/http-api.md]: the Bearer API key of the Authorization
 * header (its id looked up in the store, SHA-256 of its secret compared in constant time with
 * the stored hash) and the three roles, admin > signer > viewer. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/ct.h"
#include "common/mem.h"
#include "server/server.h"

const char *postq_auth_role_name(enum postq_store_role r)
{
    switch (r) {
    case POSTQ_STORE_ROLE_ADMIN:
        return "admin";
    case POSTQ_STORE_ROLE_SIGNER:
        return "signer";
    default:
        return "viewer";
    }
}

int postq_auth_role_parse(const char *s, enum postq_store_role *r)
{
    if (strcmp(s, "admin") == 0) {
        *r = POSTQ_STORE_ROLE_ADMIN;
    } else if (strcmp(s, "signer") == 0) {
        *r = POSTQ_STORE_ROLE_SIGNER;
    } else if (strcmp(s, "viewer") == 0) {
        *r = POSTQ_STORE_ROLE_VIEWER;
    } else {
        return 0;
    }
    return 1;
}

postq_err postq_auth_token(struct postq_store *store, const char *authorization,
                           struct postq_api_caller *who)
{
    struct postq_store_apikey k;
    uint8_t hash[32];
    const char *tok;
    postq_err err;
    int ok;

    if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0) {
        return POSTQ_E_AUTH;
    }
    tok = authorization + 7;
    while (*tok == ' ') {
        tok++;
    }
    memset(&k, 0, sizeof(k));
    err = postq_token_parse(tok, strlen(tok), who->apikey_id, sizeof(who->apikey_id), hash);
    if (err == POSTQ_OK) {
        err = postq_store_apikey_get_by_id(store, who->apikey_id, &k);
    }
    if (err == POSTQ_E_NOT_FOUND || err == POSTQ_E_ARG) {
        err = POSTQ_E_AUTH;
    }
    if (err == POSTQ_OK) {
        ok = postq_ct_memeq(hash, k.secret_hash, sizeof(hash));
        if (ok) {
            memcpy(who->org_id, k.org_id, sizeof(who->org_id));
            who->role = k.role;
        } else {
            err = POSTQ_E_AUTH;
        }
    }
    postq_wipe(hash, sizeof(hash));
    postq_wipe(&k, sizeof(k));
    return err;
}

int postq_auth_caller(struct postq_store *store, const struct postq_http_req *req,
                      struct postq_http_resp *resp, struct postq_api_caller *who)
{
    postq_err err = postq_auth_token(store, req->authorization, who);
    if (err == POSTQ_E_AUTH) {
        postq_api_error(resp, 401, "unauthorized",
                        req->authorization == NULL ? "missing Authorization: Bearer <api key>"
                                                   : "invalid API key");
        return 0;
    }
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "authentication");
        return 0;
    }
    return 1;
}

int postq_auth_allow(const struct postq_api_caller *who, enum postq_store_role need,
                     struct postq_http_resp *resp)
{
    char msg[96];
    /* The enum counts down: admin (1) < signer (2) < viewer (3). */
    if ((int)who->role <= (int)need) {
        return 1;
    }
    snprintf(msg, sizeof(msg), "this API key's role (%s) may not do this; %s is needed",
             postq_auth_role_name(who->role), postq_auth_role_name(need));
    postq_api_error(resp, 403, "forbidden", msg);
    return 0;
}

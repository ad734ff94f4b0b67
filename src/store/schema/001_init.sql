-- SPDX-License-Identifier: Apache-2.0
-- Migration 1: the API server's tables (SQLite dialect). Applied once, in a transaction, by
-- store_sqlite.c's migration runner, which records it in schema_migrations. Never edit a
-- migration that has shipped: add NNN_next.sql instead.
--
-- Conventions: ids are TEXT "<prefix>_<26 Crockford base32>" (common/id.h) and sort by creation
-- time; times are INTEGER milliseconds since the Unix epoch; binary values are BLOBs; every row
-- but orgs and enclave_counters carries org_id, and every org-scoped read filters on it.
--
-- | table            | column          | type    | meaning                                     |
-- |------------------|-----------------|---------|---------------------------------------------|
-- | schema_migrations| version         | INTEGER | applied migration number (PK)               |
-- |                  | name            | TEXT    | its file name without .sql                  |
-- |                  | applied_at      | INTEGER | ms                                          |
-- | orgs             | id              | TEXT    | "org_…" (PK)                                |
-- |                  | name            | TEXT    |                                             |
-- |                  | created_at      | INTEGER | ms                                          |
-- | api_keys         | id              | TEXT    | "ak_…", the token's public half (PK)        |
-- |                  | org_id          | TEXT    | → orgs                                      |
-- |                  | name            | TEXT    |                                             |
-- |                  | role            | TEXT    | admin, signer or viewer                     |
-- |                  | secret_hash     | BLOB    | 32 bytes: SHA-256 of the token's secret     |
-- |                  | created_at      | INTEGER | ms                                          |
-- | policies         | id              | TEXT    | "pol_…" (PK)                                |
-- |                  | org_id          | TEXT    | → orgs                                      |
-- |                  | name, vendor    | TEXT    | docs/formats.md                                
-- |
-- |                  | body            | TEXT    | the policy JSON as received                 |
-- |                  | enforce         | INTEGER | 0 or 1                                      |
-- |                  | created_at      | INTEGER | ms                                          |
-- | hybrid_keys      | id              | TEXT    | "key_…" (PK)                                |
-- |                  | org_id          | TEXT    | → orgs                                      |
-- |                  | name, algorithm, provider | TEXT | docs/http-api.md (provider = pqProvider)
-- |
-- |                  | policy_id       | TEXT    | NULL, or → policies of the same org; a bound policy cannot be deleted (RESTRICT) |
-- |                  | public_key      | BLOB    | composite public key                        |
-- |                  | sealed_key      | BLOB    | sealed private key                          |
-- |                  | version         | INTEGER | keyVersion, 1 at creation                   |
-- |                  | created_at      | INTEGER | ms                                          |
-- | signatures       | id              | TEXT    | "sig_…" (PK)                                |
-- |                  | org_id, key_id  | TEXT    | → hybrid_keys of the same org               |
-- |                  | key_version     | INTEGER |                                             |
-- |                  | algorithm       | TEXT    |                                             |
-- |                  | payload_sha256  | BLOB    | 32 bytes                                    |
-- |                  | signature       | BLOB    | composite signature                         |
-- |                  | created_at      | INTEGER | ms                                          |
-- |                  | att_vendor … att_reason | | NULL for software keys, else docs/formats.md
-- attestation: vendor, image_hash, module_id, counter, doc_b64, verdict ('pass'/'fail'), reason
-- (NULL unless fail) |
-- | enclave_counters | module_id, counter | TEXT, INTEGER | (PK): each (moduleId, counter) accepted once |
-- |                  | signature_id    | TEXT    | the sign result stored with it              |

CREATE TABLE orgs (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY NOT NULL,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'signer', 'viewer')),
    secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
    created_at  INTEGER NOT NULL
);
CREATE INDEX api_keys_by_org ON api_keys (org_id, id);

CREATE TABLE policies (
    id         TEXT PRIMARY KEY NOT NULL,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    name       TEXT NOT NULL,
    vendor     TEXT NOT NULL,
    body       TEXT NOT NULL,
    enforce    INTEGER NOT NULL CHECK (enforce IN (0, 1)),
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id)
);

CREATE TABLE hybrid_keys (
    id         TEXT PRIMARY KEY NOT NULL,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    name       TEXT NOT NULL,
    algorithm  TEXT NOT NULL,
    provider   TEXT NOT NULL,
    policy_id  TEXT,
    public_key BLOB NOT NULL,
    sealed_key BLOB NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, policy_id) REFERENCES policies (org_id, id) ON DELETE RESTRICT
);
CREATE INDEX hybrid_keys_by_policy ON hybrid_keys (org_id, policy_id);

CREATE TABLE signatures (
    id             TEXT PRIMARY KEY NOT NULL,
    org_id         TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    key_version    INTEGER NOT NULL,
    algorithm      TEXT NOT NULL,
    payload_sha256 BLOB NOT NULL CHECK (length(payload_sha256) = 32),
    signature      BLOB NOT NULL,
    created_at     INTEGER NOT NULL,
    att_vendor     TEXT,
    att_image_hash TEXT,
    att_module_id  TEXT,
    att_counter    INTEGER,
    att_doc_b64    TEXT,
    att_verdict    TEXT CHECK (att_verdict IN ('pass', 'fail')),
    att_reason     TEXT,
    FOREIGN KEY (org_id, key_id) REFERENCES hybrid_keys (org_id, id)
);
CREATE INDEX signatures_by_org ON signatures (org_id, id);
CREATE INDEX signatures_by_key ON signatures (org_id, key_id, id);

CREATE TABLE enclave_counters (
    module_id    TEXT NOT NULL,
    counter      INTEGER NOT NULL,
    signature_id TEXT NOT NULL,
    PRIMARY KEY (module_id, counter)
) WITHOUT ROWID;

-- SPDX-License-Identifier: Apache-2.0
-- Migration 1 in PostgreSQL's dialect: the same tables, columns and constraints as
-- src/store/schema/001_init.sql (documented there), applied by store_pg.c's migration runner
-- under an advisory lock, so nodes starting together apply it once. Never edit a migration that
-- has shipped: add NNN_next.sql here and beside the SQLite one.
--
-- Dialect notes: ids are text COLLATE "C", so "id < cursor" pages in byte order exactly as
-- SQLite's BINARY collation does (and the cursor sentinel "~" sorts after every id); times and
-- integers are bigint; binary values are bytea.

CREATE TABLE orgs (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE api_keys (
    id          text COLLATE "C" PRIMARY KEY,
    org_id      text COLLATE "C" NOT NULL REFERENCES orgs (id),
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin', 'signer', 'viewer')),
    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
    created_at  bigint NOT NULL
);
CREATE INDEX api_keys_by_org ON api_keys (org_id, id);

CREATE TABLE policies (
    id         text COLLATE "C" PRIMARY KEY,
    org_id     text COLLATE "C" NOT NULL REFERENCES orgs (id),
    name       text NOT NULL,
    vendor     text NOT NULL,
    body       text NOT NULL,
    enforce    bigint NOT NULL CHECK (enforce IN (0, 1)),
    created_at bigint NOT NULL,
    UNIQUE (org_id, id)
);

CREATE TABLE hybrid_keys (
    id         text COLLATE "C" PRIMARY KEY,
    org_id     text COLLATE "C" NOT NULL REFERENCES orgs (id),
    name       text NOT NULL,
    algorithm  text NOT NULL,
    provider   text NOT NULL,
    policy_id  text COLLATE "C",
    public_key bytea NOT NULL,
    sealed_key bytea NOT NULL,
    version    bigint NOT NULL CHECK (version >= 1),
    created_at bigint NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, policy_id) REFERENCES policies (org_id, id) ON DELETE RESTRICT
);
CREATE INDEX hybrid_keys_by_policy ON hybrid_keys (org_id, policy_id);

CREATE TABLE signatures (
    id             text COLLATE "C" PRIMARY KEY,
    org_id         text COLLATE "C" NOT NULL,
    key_id         text COLLATE "C" NOT NULL,
    key_version    bigint NOT NULL,
    algorithm      text NOT NULL,
    payload_sha256 bytea NOT NULL CHECK (length(payload_sha256) = 32),
    signature      bytea NOT NULL,
    created_at     bigint NOT NULL,
    att_vendor     text,
    att_image_hash text,
    att_module_id  text,
    att_counter    bigint,
    att_doc_b64    text,
    att_verdict    text CHECK (att_verdict IN ('pass', 'fail')),
    att_reason     text
    -- No foreign key to hybrid_keys (the SQLite schema has one): each insert checks that the
    -- key is one of its organisation's instead (store_pg.c, SIG_KEY), since a foreign key's
    -- share lock on one busy key row makes concurrent signs contend on it. Keys are never
    -- deleted.
);
CREATE INDEX signatures_by_org ON signatures (org_id, id);
CREATE INDEX signatures_by_key ON signatures (org_id, key_id, id);

CREATE TABLE enclave_counters (
    module_id    text COLLATE "C" NOT NULL,
    counter      bigint NOT NULL,
    signature_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (module_id, counter)
);

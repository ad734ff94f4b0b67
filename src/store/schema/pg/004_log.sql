-- SPDX-License-Identifier: Apache-2.0
-- Migration 4 in PostgreSQL's dialect: the transparency log, as src/store/schema/004_log.sql
-- (documented there). The logs row of an organisation is its log's writer lock: an append
-- takes it FOR UPDATE, so with several API nodes one writer per log at a time appends.

CREATE TABLE logs (
    org_id text COLLATE "C" PRIMARY KEY REFERENCES orgs (id),
    size   bigint NOT NULL CHECK (size >= 0)
);
CREATE TABLE log_entries (
    org_id       text COLLATE "C" NOT NULL,
    idx          bigint NOT NULL CHECK (idx >= 0),
    signature_id text COLLATE "C" NOT NULL UNIQUE,
    entry        bytea NOT NULL,
    PRIMARY KEY (org_id, idx)
);
CREATE TABLE log_nodes (
    org_id text COLLATE "C" NOT NULL,
    level  bigint NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx    bigint NOT NULL CHECK (idx >= 0),
    hash   bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (org_id, level, idx)
);
CREATE TABLE log_checkpoints (
    org_id     text COLLATE "C" NOT NULL,
    size       bigint NOT NULL CHECK (size >= 1),
    root       bytea NOT NULL CHECK (length(root) = 32),
    note       text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (org_id, size)
);
ALTER TABLE signatures ADD COLUMN log_index bigint;

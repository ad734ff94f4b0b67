-- SPDX-License-Identifier: Apache-2.0
-- Migration 4: the transparency log (docs/transparency.md). One append-only Merkle tree per
-- organisation (RFC 9162 §2.1). Its leaves are the log entries of the signatures stored from
-- now on, appended in the transaction that stores the signature; every perfect subtree that
-- is complete is stored once as a node (level L, index i: the hash of leaves
-- [i * 2^L, (i + 1) * 2^L), the numbering of tlog-tiles), so proofs and tiles are read, never
-- recomputed from all the leaves. A group commit signs one checkpoint for its batch, in the
-- same transaction.
--
-- | table           | column            | type    | meaning                                   |
-- |-----------------|-------------------|---------|-------------------------------------------|
-- | logs            | org_id            | TEXT    | → orgs (PK)                               |
-- |                 | size              | INTEGER | leaves so far; the row is the log's writer lock |
-- | log_entries     | org_id, idx       | —       | the leaf's index (PK)                     |
-- |                 | signature_id      | TEXT    | the signature it records (unique)         |
-- |                 | entry             | BLOB    | the entry text (DESIGN §13 format)        |
-- | log_nodes       | org_id, level, idx| —       | a complete perfect subtree (PK)           |
-- |                 | hash              | BLOB    | its hash (32 bytes)                       |
-- | log_checkpoints | org_id, size      | —       | a signed tree head (PK)                   |
-- |                 | root              | BLOB    | the tree's root hash (32 bytes)           |
-- |                 | note              | TEXT    | the signed note (C2SP tlog-checkpoint)    |
-- |                 | created_at        | INTEGER | ms                                        |
-- | signatures      | log_index         | INTEGER | its leaf (NULL: stored before the log)    |

CREATE TABLE logs (
    org_id TEXT PRIMARY KEY NOT NULL REFERENCES orgs (id),
    size   INTEGER NOT NULL CHECK (size >= 0)
);
CREATE TABLE log_entries (
    org_id       TEXT NOT NULL,
    idx          INTEGER NOT NULL CHECK (idx >= 0),
    signature_id TEXT NOT NULL UNIQUE,
    entry        BLOB NOT NULL,
    PRIMARY KEY (org_id, idx)
);
CREATE TABLE log_nodes (
    org_id TEXT NOT NULL,
    level  INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx    INTEGER NOT NULL CHECK (idx >= 0),
    hash   BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (org_id, level, idx)
) WITHOUT ROWID;
CREATE TABLE log_checkpoints (
    org_id     TEXT NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 1),
    root       BLOB NOT NULL CHECK (length(root) = 32),
    note       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, size)
);
ALTER TABLE signatures ADD COLUMN log_index INTEGER;

-- SPDX-License-Identifier: Apache-2.0
-- Migration 5 (SQLite): a log entry lives in its signature's row. A logged sign then writes
-- one row and one index entry besides its tree's nodes, instead of rows in three more
-- B-trees: every page a transaction changes is a page its commit writes and syncs. The log's
-- size is its largest leaf index plus one (the index below finds it), so the logs table goes:
-- SQLite serialises writers itself. (PostgreSQL keeps log_entries and logs, whose row is its
-- writer lock between API nodes.)
--
-- | table           | column            | type    | meaning                                   |
-- |-----------------|-------------------|---------|-------------------------------------------|
-- | signatures      | log_entry         | BLOB    | its log entry (DESIGN §13 text); NULL with log_index |
-- | signatures_log  | org_id, log_index | index   | one signature per leaf (unique), the tiles' reads |
-- | log_entries     | —                 | —       | dropped: moved into signatures            |
-- | logs            | —                 | —       | dropped: the size is max(log_index) + 1   |
-- | log_nodes       | last_leaf         | INTEGER | the last leaf the node covers, ((idx + 1) << level) - 1: |
-- |                 |                   |         | the key now begins with it, so the nodes one append     |
-- |                 |                   |         | completes sit together on the B-tree's last page        |

ALTER TABLE signatures ADD COLUMN log_entry BLOB;
UPDATE signatures SET log_entry = (SELECT e.entry FROM log_entries e
                                   WHERE e.org_id = signatures.org_id
                                     AND e.idx = signatures.log_index
                                     AND e.signature_id = signatures.id)
 WHERE log_index IS NOT NULL;
CREATE UNIQUE INDEX signatures_log ON signatures (org_id, log_index) WHERE log_index IS NOT NULL;
DROP TABLE log_entries;
DROP TABLE logs;
CREATE TABLE log_nodes_5 (
    org_id    TEXT NOT NULL,
    last_leaf INTEGER NOT NULL,
    level     INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx       INTEGER NOT NULL CHECK (idx >= 0),
    hash      BLOB NOT NULL CHECK (length(hash) = 32),
    CHECK (last_leaf = ((idx + 1) << level) - 1),
    PRIMARY KEY (org_id, last_leaf, level)
) WITHOUT ROWID;
INSERT INTO log_nodes_5 (org_id, last_leaf, level, idx, hash)
    SELECT org_id, ((idx + 1) << level) - 1, level, idx, hash FROM log_nodes;
DROP TABLE log_nodes;
ALTER TABLE log_nodes_5 RENAME TO log_nodes;

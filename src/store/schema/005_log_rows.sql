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

ALTER TABLE signatures ADD COLUMN log_entry BLOB;
UPDATE signatures SET log_entry = (SELECT e.entry FROM log_entries e
                                   WHERE e.org_id = signatures.org_id
                                     AND e.idx = signatures.log_index
                                     AND e.signature_id = signatures.id)
 WHERE log_index IS NOT NULL;
CREATE UNIQUE INDEX signatures_log ON signatures (org_id, log_index) WHERE log_index IS NOT NULL;
DROP TABLE log_entries;
DROP TABLE logs;

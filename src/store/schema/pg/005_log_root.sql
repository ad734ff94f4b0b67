-- SPDX-License-Identifier: Apache-2.0
-- Migration 5 (PostgreSQL): the log's row keeps its tree's root beside its size. A node that
-- last committed the log at (size, root) appends its next batch from the right edge it kept,
-- without reading it: the batch's first statement updates the row only while it still holds
-- that size and root (another node's append, or a database restored under this one, makes it
-- lock the row and read the edge again). A checkpoint's note is stored out of line without
-- trying to compress it: its signatures are base64 of random-looking bytes, and the attempt
-- cost about a third of each checkpoint row's insert (pg_stat_statements).
--
-- | table           | column | type    | meaning                                              |
-- |-----------------|--------|---------|------------------------------------------------------|
-- | logs            | root   | bytea   | the root of the tree of `size` leaves (32 bytes; NULL: not known yet) |
-- | log_checkpoints | note   | STORAGE | EXTERNAL: out of line, never compressed              |

ALTER TABLE logs ADD COLUMN root bytea CHECK (root IS NULL OR length(root) = 32);
ALTER TABLE log_checkpoints ALTER COLUMN note SET STORAGE EXTERNAL;

-- SPDX-License-Identifier: Apache-2.0
-- Migration 5 (PostgreSQL): the log's row keeps its tree's root beside its size. A node that
-- last committed the log at (size, root) appends its next batch from the right edge it kept,
-- without reading it: the batch's first statement updates the row only while it still holds
-- that size and root (another node's append, or a database restored under this one, makes it
-- lock the row and read the edge again).
--
-- | table | column | type  | meaning                                                          |
-- |-------|--------|-------|------------------------------------------------------------------|
-- | logs  | root   | bytea | the root of the tree of `size` leaves (32 bytes; NULL: not known yet) |

ALTER TABLE logs ADD COLUMN root bytea CHECK (root IS NULL OR length(root) = 32);

-- SPDX-License-Identifier: Apache-2.0
-- Migration 5 (PostgreSQL): the log's row keeps its tree's root beside its size. A node that
-- last committed the log at (size, root) appends its next batch from the right edge it kept,
-- without reading it: the batch's first statement updates the row only while it still holds
-- that size and root (another node, or a database restored under this one, makes it read the
-- edge again). Checkpoint rows are kept whole in their table's pages: a signed note (about
-- 4.7 KiB) is neither compressed (base64 signatures do not compress) nor moved out of line.
--
-- | table           | column             | type  | meaning                                    |
-- |-----------------|--------------------|-------|--------------------------------------------|
-- | logs            | root               | bytea | the root of the tree of `size` leaves (32 bytes; NULL: not known yet) |
-- | log_checkpoints | toast_tuple_target | —     | 8160: rows up to a page stay whole         |

ALTER TABLE logs ADD COLUMN root bytea CHECK (root IS NULL OR length(root) = 32);
ALTER TABLE log_checkpoints SET (toast_tuple_target = 8160);

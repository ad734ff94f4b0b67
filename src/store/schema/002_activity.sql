-- SPDX-License-Identifier: Apache-2.0
-- Migration 2: what GET /v1/activity reports. Sign calls refused under a policy with enforce:
-- true store no signature, so each refusal leaves a row here (no payload, no signature: the
-- key, the reason code, the time); and signatures gain an index by time for the per-hour counts.
--
-- | table           | column     | type    | meaning                                        |
-- |-----------------|------------|---------|------------------------------------------------|
-- | sign_rejections | id         | INTEGER | rowid (PK)                                     |
-- |                 | org_id     | TEXT    | → orgs                                         |
-- |                 | key_id     | TEXT    | the key the refused call named                 |
-- |                 | reason     | TEXT    | a docs/verification.md reason code             |
-- |                 | created_at | INTEGER | ms                                             |

CREATE TABLE sign_rejections (
    id         INTEGER PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    key_id     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sign_rejections_by_org_time ON sign_rejections (org_id, created_at);
CREATE INDEX signatures_by_org_time ON signatures (org_id, created_at);

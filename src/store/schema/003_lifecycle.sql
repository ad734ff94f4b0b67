-- SPDX-License-Identifier: Apache-2.0
-- Migration 3: lifecycle (docs/http-api.md, Key versions and Policy versions). A key gets
-- versions: each version is its own key pair; the newest enabled one signs; a destroyed one
-- keeps its public key and loses its sealed private key. A policy gets versions: an update
-- makes the next, the policies row holds the newest, and every version stays readable. A sign
-- result records the policy version that admitted it. Existing rows become version 1 of each.
--
-- | table           | column            | type    | meaning                                   |
-- |-----------------|-------------------|---------|-------------------------------------------|
-- | key_versions    | org_id, key_id    | TEXT    | → hybrid_keys of the same org             |
-- |                 | version           | INTEGER | 1, 2, … (PK with key_id)                  |
-- |                 | public_key        | BLOB    | composite public key                      |
-- |                 | sealed_key        | BLOB    | sealed private key; NULL once destroyed   |
-- |                 | state             | TEXT    | enabled, disabled or destroyed            |
-- |                 | created_at        | INTEGER | ms                                        |
-- | hybrid_keys     | version           | INTEGER | now: the newest version                   |
-- |                 | deleted_at        | INTEGER | NULL, or when the key was deleted (ms)    |
-- |                 | public_key, sealed_key | — | dropped: they live in key_versions       |
-- | policy_versions | org_id, policy_id | TEXT    | → policies of the same org                |
-- |                 | version           | INTEGER | 1, 2, … (PK with policy_id)               |
-- |                 | name, vendor, body, enforce, created_at | | as policies, for this version |
-- | policies        | version           | INTEGER | the newest version (its values are the row's) |
-- |                 | updated_at        | INTEGER | when the newest version was made (ms)     |
-- | signatures      | policy_id         | TEXT    | the policy that admitted it (NULL: none)  |
-- |                 | policy_version    | INTEGER | and its version                           |

CREATE TABLE key_versions (
    org_id     TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    public_key BLOB NOT NULL,
    sealed_key BLOB,
    state      TEXT NOT NULL CHECK (state IN ('enabled', 'disabled', 'destroyed')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, version),
    CHECK ((state = 'destroyed') = (sealed_key IS NULL)),
    FOREIGN KEY (org_id, key_id) REFERENCES hybrid_keys (org_id, id)
);
INSERT INTO key_versions (org_id, key_id, version, public_key, sealed_key, state, created_at)
    SELECT org_id, id, version, public_key, sealed_key, 'enabled', created_at FROM hybrid_keys;
ALTER TABLE hybrid_keys DROP COLUMN public_key;
ALTER TABLE hybrid_keys DROP COLUMN sealed_key;
ALTER TABLE hybrid_keys ADD COLUMN deleted_at INTEGER;

ALTER TABLE policies ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE policies ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE policies SET updated_at = created_at;
CREATE TABLE policy_versions (
    org_id     TEXT NOT NULL,
    policy_id  TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    name       TEXT NOT NULL,
    vendor     TEXT NOT NULL,
    body       TEXT NOT NULL,
    enforce    INTEGER NOT NULL CHECK (enforce IN (0, 1)),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (policy_id, version),
    FOREIGN KEY (org_id, policy_id) REFERENCES policies (org_id, id)
);
INSERT INTO policy_versions (org_id, policy_id, version, name, vendor, body, enforce, created_at)
    SELECT org_id, id, 1, name, vendor, body, enforce, created_at FROM policies;

ALTER TABLE signatures ADD COLUMN policy_id TEXT;
ALTER TABLE signatures ADD COLUMN policy_version INTEGER;
-- Signatures made before this migration keep NULL: which policy version admitted them was not
-- recorded (it was version 1 of the key's policy, the only one there was).

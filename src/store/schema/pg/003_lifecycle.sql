-- SPDX-License-Identifier: Apache-2.0
-- Migration 3 in PostgreSQL's dialect: key versions, policy versions and the policy version of
-- each sign result, as src/store/schema/003_lifecycle.sql (documented there).

CREATE TABLE key_versions (
    org_id     text COLLATE "C" NOT NULL,
    key_id     text COLLATE "C" NOT NULL,
    version    bigint NOT NULL CHECK (version >= 1),
    public_key bytea NOT NULL,
    sealed_key bytea,
    state      text NOT NULL CHECK (state IN ('enabled', 'disabled', 'destroyed')),
    created_at bigint NOT NULL,
    PRIMARY KEY (key_id, version),
    CHECK ((state = 'destroyed') = (sealed_key IS NULL)),
    FOREIGN KEY (org_id, key_id) REFERENCES hybrid_keys (org_id, id)
);
INSERT INTO key_versions (org_id, key_id, version, public_key, sealed_key, state, created_at)
    SELECT org_id, id, version, public_key, sealed_key, 'enabled', created_at FROM hybrid_keys;
ALTER TABLE hybrid_keys DROP COLUMN public_key;
ALTER TABLE hybrid_keys DROP COLUMN sealed_key;
ALTER TABLE hybrid_keys ADD COLUMN deleted_at bigint;

ALTER TABLE policies ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE policies ADD COLUMN updated_at bigint NOT NULL DEFAULT 0;
UPDATE policies SET updated_at = created_at;
CREATE TABLE policy_versions (
    org_id     text COLLATE "C" NOT NULL,
    policy_id  text COLLATE "C" NOT NULL,
    version    bigint NOT NULL CHECK (version >= 1),
    name       text NOT NULL,
    vendor     text NOT NULL,
    body       text NOT NULL,
    enforce    bigint NOT NULL CHECK (enforce IN (0, 1)),
    created_at bigint NOT NULL,
    PRIMARY KEY (policy_id, version),
    FOREIGN KEY (org_id, policy_id) REFERENCES policies (org_id, id)
);
INSERT INTO policy_versions (org_id, policy_id, version, name, vendor, body, enforce, created_at)
    SELECT org_id, id, 1, name, vendor, body, enforce, created_at FROM policies;

ALTER TABLE signatures ADD COLUMN policy_id text COLLATE "C";
ALTER TABLE signatures ADD COLUMN policy_version bigint;

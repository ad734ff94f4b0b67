-- SPDX-License-Identifier: Apache-2.0
-- Migration 2 in PostgreSQL's dialect: refused sign calls and an index by time, as
-- src/store/schema/002_activity.sql (documented there).

CREATE TABLE sign_rejections (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     text COLLATE "C" NOT NULL REFERENCES orgs (id),
    key_id     text COLLATE "C" NOT NULL,
    reason     text NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX sign_rejections_by_org_time ON sign_rejections (org_id, created_at);
CREATE INDEX signatures_by_org_time ON signatures (org_id, created_at);

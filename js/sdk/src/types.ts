// SPDX-License-Identifier: Apache-2.0
// The API's request and response objects (docs/openapi.yaml, docs/formats.md).

import type { Algorithm, Vendor } from './formats.js';

/** An RFC 3339 UTC time, as the API writes it. */
export type Timestamp = string;

/** Rules of a mock-vendor policy; hardware vendors have their own (docs/vendors.md). */
export interface MockMatchRules {
    /** SHA-256 of each allowed enclave image, 64 lowercase hex characters (1..128 of them) */
    allowedImageHashes: string[];
    /** the pinned root key (base64 of 32 bytes): GET /v1/enclave's rootPublicKeyB64 */
    rootPublicKeyB64: string;
    /** documents older than this, judged at the sign result's createdAt, are doc_stale */
    maxDocAgeSeconds?: number;
}

/** matchRules: the mock rules, or another vendor's (checked by the server). */
export type MatchRules = MockMatchRules | Record<string, unknown>;

export interface PolicyCreate {
    /** 1 to 127 characters, no control, separator or bidirectional formatting characters */
    name: string;
    vendor: Vendor;
    matchRules: MatchRules;
    /** true (default): a failed document rejects the sign; false: recorded and returned */
    enforce?: boolean;
}

export interface Policy {
    id: string;
    name: string;
    vendor: Vendor;
    matchRules: MatchRules;
    enforce: boolean;
    createdAt: Timestamp;
}

export type PqProvider = 'enclave-mock' | 'software';

export interface HybridKeyCreate {
    name: string;
    /** default mldsa65+ed25519 */
    algorithm?: Algorithm;
    pqProvider: PqProvider;
    /** required for enclave-mock, absent for software */
    attestationPolicyId?: string;
}

export interface HybridKey {
    id: string;
    name: string;
    algorithm: Algorithm;
    pqProvider: PqProvider;
    attestationPolicyId?: string;
    /** the composite public key, mldsaPk || edPk */
    publicKeyB64: string;
    keyVersion: number;
    createdAt: Timestamp;
}

export interface Attestation {
    vendor: Vendor;
    imageHash: string;
    counter: number;
    docB64: string;
    /** the API's verdict under the key's policy (re-verify: do not trust it) */
    verdict: 'pass' | 'fail';
    /** only with verdict fail (a policy with enforce false) */
    reason?: string;
}

/** POST /v1/sign's answer and GET /v1/signatures/{id}'s. */
export interface SignResult {
    id: string;
    keyId: string;
    keyVersion: number;
    algorithm: Algorithm;
    payloadSha256: string;
    signatureB64: string;
    createdAt: Timestamp;
    /** absent for a key of a non-enclave provider */
    attestation?: Attestation;
}

export type Role = 'admin' | 'signer' | 'viewer';

export interface ApiKeyCreate {
    name: string;
    role: Role;
}

export interface ApiKey {
    id: string;
    name: string;
    role: Role;
    createdAt: Timestamp;
}

/** A new API key: its token is shown only in this answer. */
export interface ApiKeyCreated extends ApiKey {
    token: string;
}

export interface EnclaveInfo {
    vendor: Vendor;
    moduleId: string;
    imageHash: string;
    rootPublicKeyB64: string;
}

export interface HealthPart {
    ok: boolean;
    reason?: 'store_not_writable' | 'enclave_unavailable' | 'counter_not_durable';
    message?: string;
}

export interface Health {
    status: 'ok' | 'unavailable';
    store: HealthPart;
    enclave: HealthPart;
}

/** One page of a list: nextCursor is null on the last page. */
export interface Page<T> {
    items: T[];
    nextCursor: string | null;
}

export interface ActivityCounts {
    /** signatures stored with a passing attestation, or of a software key */
    signed: number;
    /** stored with a failed attestation (a policy with enforce: false) */
    auditFailed: number;
    /** sign calls refused under enforce: true (nothing stored) */
    rejected: number;
}

export interface ActivityBucket extends ActivityCounts {
    start: Timestamp;
}

/** GET /v1/activity: per hour over the last hours. */
export interface Activity {
    from: Timestamp;
    to: Timestamp;
    bucketSeconds: number;
    buckets: ActivityBucket[];
    totals: ActivityCounts;
    /** the newest refusals, newest first (at most 20) */
    recentRejections: { keyId: string; reason: string; at: Timestamp }[];
}

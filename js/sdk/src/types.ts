// SPDX-License-Identifier: Apache-2.0
// The API's request and response objects (docs/openapi.yaml, docs/formats.md).

import type { Algorithm, Vendor } from './formats.js';

/** An RFC 3339 UTC time, as the API writes it. */
export type Timestamp = string;

/**
 * Rules of a mock-vendor policy; hardware vendors have their own (docs/vendors.md). At least
 * one of rootPublicKeyB64 and rootPublicKeysB64; with both, every root of either (at most 8 in
 * all). A root is padded base64 of an Ed25519 key (32 bytes, documents signed "Ed25519") or of
 * a composite mldsa65+ed25519 key (1984 bytes, documents signed "ML-DSA-65-Ed25519").
 */
export interface MockMatchRules {
    /** SHA-256 of each allowed enclave image, 64 lowercase hex characters (1..128 of them) */
    allowedImageHashes: string[];
    /** a pinned root: GET /v1/enclave's rootPublicKeyB64 */
    rootPublicKeyB64?: string;
    /** 1..8 pinned roots: the old and the new while the enclave moves to a new root */
    rootPublicKeysB64?: string[];
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

/** A version of a policy: each update (PUT) makes the next one; GET gives the newest. */
export interface Policy {
    id: string;
    name: string;
    vendor: Vendor;
    matchRules: MatchRules;
    enforce: boolean;
    /** 1 on create, one more on each update */
    version: number;
    /** when the policy was created (its first version) */
    createdAt: Timestamp;
    /** when this version was made */
    updatedAt: Timestamp;
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

export type KeyVersionState = 'enabled' | 'disabled' | 'destroyed';

/** One version of a key: rotation adds one; signing uses the newest enabled one. */
export interface KeyVersion {
    version: number;
    /** this version's composite public key, mldsaPk || edPk */
    publicKeyB64: string;
    state: KeyVersionState;
    createdAt: Timestamp;
}

export interface HybridKey {
    id: string;
    name: string;
    algorithm: Algorithm;
    pqProvider: PqProvider;
    attestationPolicyId?: string;
    /** the newest version's composite public key, mldsaPk || edPk (verify with the version a
     * sign result names: pass this whole object to verifySignResult) */
    publicKeyB64: string;
    /** the newest version (the same as version, kept for old clients) */
    keyVersion: number;
    /** the newest version */
    version: number;
    /** every version, ascending */
    versions: KeyVersion[];
    /** "deleted": every version destroyed, nothing signs with it again */
    state: 'active' | 'deleted';
    /** only when deleted */
    deletedAt?: Timestamp;
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

/** Where a stored signature is in its organisation's transparency log (DESIGN §13). */
export interface Transparency {
    /** its entry's index in the log */
    logIndex: number;
    /** the log's checkpoint (a C2SP signed note) this proof is against */
    checkpoint: string;
    /** the RFC 9162 inclusion proof of entry logIndex in the checkpoint's tree: base64 hashes */
    inclusionProof: string[];
}

/** POST /v1/sign's answer and GET /v1/signatures/{id}'s. */
export interface SignResult {
    id: string;
    keyId: string;
    /** the key version that signed */
    keyVersion: number;
    /** the key's policy and the version of it the document was judged under (only for a key
     * with a policy) */
    policyId?: string;
    policyVersion?: number;
    algorithm: Algorithm;
    payloadSha256: string;
    signatureB64: string;
    createdAt: Timestamp;
    /** absent for a key of a non-enclave provider */
    attestation?: Attestation;
    /** the proof that it is in the log: POST /v1/sign against the checkpoint that first holds
     * it, GET /v1/signatures/{id} against the latest one (verify with verifySignResult's logKey) */
    transparency?: Transparency;
}

/** GET /v1/log: the organisation's transparency log. Pin verifierKey (or
 * compositeVerifierKey) from a source you trust, not from each answer. */
export interface LogInfo {
    /** "<log name>/<organisation id>" */
    origin: string;
    /** the Ed25519 verifier key of the checkpoints (C2SP signed-note, type 0x01) */
    verifierKey: string;
    /** the mldsa65+ed25519 verifier key of the checkpoints (type 0xff "postq-mldsa65+ed25519") */
    compositeVerifierKey: string;
    /** entries in the log */
    size: number;
    /** the latest checkpoint (a signed note); null while the log is empty */
    checkpoint: string | null;
}

/** GET /v1/log/proof: the latest checkpoint (or the one of size `to`) and the RFC 9162
 * consistency proof from the tree of size `from` to it. */
export interface LogProof {
    checkpoint: string;
    consistencyProof: string[];
}

/** GET /v1/signatures/{id}/proof: the signature's inclusion proof against the latest checkpoint. */
export type SignatureProof = Transparency;

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

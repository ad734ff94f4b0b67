// SPDX-License-Identifier: Apache-2.0
// @postq/sdk: the PostQ Attested Signing API client and offline verification of its sign
// results and attestation documents. One entry for Node (20.19+) and browsers: it uses fetch,
// Blob and TextEncoder, and no Node-only module.

export { PostQ, PageRequest, DEFAULT_BASE_URL } from './client.js';
export type { PostQOptions, RequestOptions, ListOptions, PolicyGetOptions, SignatureListOptions, SignRequest, SignOptions } from './client.js';
export { PostQError, InvalidInputError } from './errors.js';
export { verifyAttestationDoc, verifySignResult, logEntry, CHECKS, VENDOR_CHECKS, LOG_CHECKS } from './verify.js';
export type { Verdict, Check, Claims, ReasonCode, LogReasonCode, TimeInput, VerifyAttestationDocOptions, VerifySignResultOptions } from './verify.js';
export { readLogKey, verifyCheckpoint, verifyInclusion, verifyConsistency, leafHash, readTransparency } from './tlog.js';
export type { LogKey, Checkpoint, CheckpointVerdict, LogInclusion, ParsedTransparency } from './tlog.js';
export { ALGORITHMS, VENDORS, readPublicKey, readPolicy, readSignResult, publicKeyPem } from './formats.js';
export { fromBase64, toBase64, toHex } from './encoding.js';
export { sha256Hex } from './composite.js';
export type { Algorithm, Vendor, PublicKey, PinnedPolicy, PinnedRoot, ParsedSignResult } from './formats.js';
export type { Payload } from './composite.js';
export { parseTime, stamp } from './time.js';
export type * from './types.js';

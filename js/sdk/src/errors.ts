// SPDX-License-Identifier: Apache-2.0
// The two errors the SDK throws on purpose.

/**
 * An HTTP call that did not succeed: the server's answer (status, its error.code and message,
 * the X-Request-Id that names its log line), or no answer at all (status 0: the network, a
 * timeout or an abort; code says which).
 */
export class PostQError extends Error {
    override name = 'PostQError';
    /** HTTP status; 0 when no answer arrived. */
    readonly status: number;
    /** The server's error.code (e.g. "not_found", "rate_limited", "image_not_allowed"); for no
     * answer: "network_error", "timeout" or "aborted". */
    readonly code: string;
    /** The X-Request-Id of the answer, "" when there was none. */
    readonly requestId: string;
    constructor(status: number, code: string, message: string, requestId = '', options?: { cause?: unknown }) {
        super(message, options);
        this.status = status;
        this.code = code;
        this.requestId = requestId;
    }
}

/**
 * An input the verifiers cannot use: a malformed policy, sign result or public key, or a bad
 * argument (the CLI's exit 2). The message is the CLI's words. A document that fails its
 * checks is never this: it resolves with ok false and a reason code.
 */
export class InvalidInputError extends TypeError {
    override name = 'InvalidInputError';
}

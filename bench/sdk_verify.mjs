// SPDX-License-Identifier: Apache-2.0
// make bench-sdk-js: @postq/sdk's verifySignResult (all 13 checks: the document under the
// policy, the bindings and the composite signature) on a 1 MiB payload, for each algorithm,
// under Node; beside it `postq verify --policy` on the same files (a whole process each time).
// Medians of 21 runs after 3 warm-ups. Fixtures from tests/tools/mkfixture.
// Usage: node bench/sdk_verify.mjs BUILD_DIR
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const build = process.argv[2] ?? 'build';
const root = new URL('..', import.meta.url).pathname;
const { verifySignResult } = await import(pathToFileURL(join(root, 'js/sdk/dist/index.js')).href);
const work = mkdtempSync(join(tmpdir(), 'postq-sdk-bench-'));
const payload = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
writeFileSync(join(work, 'payload.bin'), payload);
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

console.log(`@postq/sdk verifySignResult, 1 MiB payload, Node ${process.version} (median of 21 runs, ms)`);
console.log('algorithm          sdk      postq verify (process)');
try {
    for (const alg of ['mldsa44+ed25519', 'mldsa65+ed25519', 'mldsa87+ed448']) {
        const dir = join(work, alg);
        execFileSync('mkdir', ['-p', dir]);
        execFileSync(join(build, 'tests/tools/mkfixture'), [dir, '--alg', alg, '--payload', join(work, 'payload.bin')]);
        const f = (n) => readFileSync(join(dir, n), 'utf8');
        const args = { signResult: f('sig.json'), policy: f('policy.json'), publicKey: f('key.json'), payload };
        const sdk = [];
        for (let i = 0; i < 24; i++) {
            const t0 = performance.now();
            const v = await verifySignResult(args);
            if (!v.ok) throw new Error(`${alg}: ${v.reason}: ${v.detail}`);
            if (i >= 3) sdk.push(performance.now() - t0);
        }
        const cli = [];
        for (let i = 0; i < 24; i++) {
            const t0 = performance.now();
            execFileSync(join(build, 'bin/postq'), ['verify', '--public-key', join(dir, 'key.json'), '--sign-result', join(dir, 'sig.json'),
                '--payload', join(work, 'payload.bin'), '--policy', join(dir, 'policy.json')], { stdio: 'ignore' });
            if (i >= 3) cli.push(performance.now() - t0);
        }
        console.log(`${alg.padEnd(18)} ${median(sdk).toFixed(1).padStart(6)}   ${median(cli).toFixed(1).padStart(6)}`);
    }
} finally {
    rmSync(work, { recursive: true, force: true });
}

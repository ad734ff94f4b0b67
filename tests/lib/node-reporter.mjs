// SPDX-License-Identifier: Apache-2.0
// A `node --test` reporter that prints cmocka's lines ("[ RUN      ]", "[       OK ]",
// "[  FAILED  ]"), so that scripts/run-tests.sh counts each JavaScript test as it counts a C one.
// Suites are not counted; their tests are. A failure prints its error under its line.
export default async function* cmocka(source) {
    let run = 0;
    let failed = 0;
    for await (const event of source) {
        const d = event.data;
        if (event.type !== 'test:pass' && event.type !== 'test:fail') {
            if (event.type === 'test:diagnostic' && /^(tests|pass|fail) /.test(d.message)) continue;
            if (event.type === 'test:stderr' || event.type === 'test:stdout') yield d.message;
            continue;
        }
        if (d.details?.type === 'suite') continue;
        run++;
        yield `[ RUN      ] ${d.name}\n`;
        if (event.type === 'test:pass' && !d.skip && !d.todo) {
            yield `[       OK ] ${d.name}\n`;
        } else if (event.type === 'test:pass') {
            failed++; // a test that skips itself is not a pass
            yield `[  FAILED  ] ${d.name}: skipped\n`;
        } else {
            failed++;
            const err = d.details?.error;
            const cause = err?.cause ?? err;
            yield `[  FAILED  ] ${d.name}: ${String(cause?.stack ?? cause?.message ?? cause).split('\n').slice(0, 8).join('\n    ')}\n`;
        }
    }
    yield `[==========] ${run} test(s) run.\n[  PASSED  ] ${run - failed} test(s).\n`;
}

import { defineConfig } from 'vitest/config';
import { LongFilesFirstSequencer } from './test/support/long-files-first-sequencer.js';

/**
 * No test bounds a duration: tests check the order and count of events, so files may share the machine.
 * Four files at once on two cores: most of a file's time is spent waiting on the worker and CLI
 * processes it spawns, which do the CPU work, or on a rate window; a fourth file fills the cores while
 * the others wait. Speed is measured by `npm run bench`.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // The S3 clients tests make in-process would print the AWS SDK's eight-line Node 20 notice, once per file;
    // the CLI's own one-line notice (src/logging/node-version-notice.ts) is tested in the processes it starts.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Files share their fork's modules: each file importing the sources, BullMQ and the AWS SDK anew cost an
    // eighth of the suite's time on two cores. No test file changes process-wide state (environment, timers,
    // module mocks).
    isolate: false,
    maxWorkers: 4,
    sequence: { sequencer: LongFilesFirstSequencer },
  },
});

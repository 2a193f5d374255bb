import { defineConfig } from 'vitest/config';

/**
 * Tests that time a fleet to within tens of milliseconds (a window's reset, a 429's pause): they run after
 * every other file, alone on the machine, since other files' worker processes would add their CPU to the
 * delays measured.
 */
const TIMED = ['test/ratelimit/window-boundary.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 3,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: TIMED, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timed', include: TIMED, sequence: { groupOrder: 1 } } },
    ],
  },
});

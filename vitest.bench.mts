import { defineConfig } from 'vitest/config';

// `npm run bench`: benchmarks that print figures. They assert nothing about time, and are not
// part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/bench/**/*.bench-run.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 10 * 60_000,
    fileParallelism: false,
    // The export benchmark forces collections to measure live memory, not uncollected garbage.
    execArgv: ['--expose-gc'],
    reporters: ['verbose'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Outbound traffic in tests goes to loopback only; fixtures are real servers on 127.0.0.1.
    env: { VIGIL_TEST: '1' },
    reporters: ['default'],
  },
});

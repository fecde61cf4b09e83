import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through this export condition, so tests
// never need a build. Child processes the tests start (`node --import tsx …`) inherit it.
const SOURCE_CONDITION = '@agiletrack/source';

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts'],
    // Starts private Redis/PostgreSQL when REDIS_URL / DATABASE_URL are not reachable.
    globalSetup: ['./vitest.global-setup.ts'],
    // Fails a test during which the process saw an unhandled rejection or an unlistened 'error'.
    setupFiles: ['./vitest.process-guard.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    env: { NODE_OPTIONS: [process.env.NODE_OPTIONS, `--conditions=${SOURCE_CONDITION}`].filter(Boolean).join(' ') },
  },
});

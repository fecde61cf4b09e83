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
    // Limits that catch a hang, not a slow machine: three files share two cores, and the sync and
    // process tests do real work (hundreds of upstream requests, child processes).
    testTimeout: 60_000,
    // Hooks start servers and databases: on a loaded machine that can take a minute.
    hookTimeout: 120_000,
    // Most tests wait on sockets, databases and child processes: three files at a time keep two
    // cores busy. Files share their worker's modules (each file still gets its own servers and
    // its own Redis prefix and schema), which saves a third of the suite's CPU.
    maxWorkers: 3,
    isolate: false,
    env: { NODE_OPTIONS: [process.env.NODE_OPTIONS, `--conditions=${SOURCE_CONDITION}`].filter(Boolean).join(' ') },
  },
});

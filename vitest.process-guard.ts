/**
 * Vitest setup file: a test fails when, while it ran, the process saw an unhandled promise
 * rejection or an uncaught exception (an `'error'` event nobody listened to is one). In production
 * either would end the process; here the test that caused it fails with the error, and the run
 * fails with it. Child processes the tests start run without this guard: Node ends them on either,
 * and the helpers that start them (`testing/sync-helpers.ts`, the cache's worker fixtures) fail
 * the test when one exits on its own.
 */
import { afterEach } from 'vitest';

interface Guard {
  problems: string[];
}

const KEY = Symbol.for('agiletrack.processGuard');

const describe = (what: unknown): string =>
  what instanceof Error ? (what.stack ?? `${what.name}: ${what.message}`) : String(what);

// Registered once per process: test files may share a worker process, and their hooks share the list.
const globals = globalThis as { [KEY]?: Guard };
const guard: Guard = globals[KEY] ?? { problems: [] };
if (!globals[KEY]) {
  globals[KEY] = guard;
  process.on('unhandledRejection', (reason) => guard.problems.push(`unhandled rejection: ${describe(reason)}`));
  process.on('uncaughtException', (error) => guard.problems.push(`uncaught exception: ${describe(error)}`));
}

afterEach(() => {
  if (guard.problems.length === 0) return;
  const problems = guard.problems.splice(0);
  throw new Error(
    `the process saw ${problems.length} unhandled error(s) during this test; in production it would have exited:\n` +
      problems.join('\n'),
  );
});

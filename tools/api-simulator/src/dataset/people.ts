/** The simulated people, and small deterministic helpers both data sets share. */
import { createHash } from 'node:crypto';
import type { GitHubUser, JiraUser } from './types.ts';

/** GitHub logins, with stable ids (1001, 1002, …). */
export const GITHUB_LOGINS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'] as const;

/** The GitHub account for a login; unknown logins get an id derived from the name. */
export function githubUser(login: string): GitHubUser {
  const index = (GITHUB_LOGINS as readonly string[]).indexOf(login);
  const id = index >= 0 ? 1001 + index : 2000 + (parseInt(hashHex(login).slice(0, 6), 16) % 100_000);
  return { login, id, type: 'User' };
}

/** The Jira account of the same person (`alice` → Alice, `alice@example.com`). */
export function jiraUser(login: string): JiraUser {
  return {
    accountId: `557058:${hashHex(`jira:${login}`).slice(0, 24)}`,
    displayName: login.charAt(0).toUpperCase() + login.slice(1),
    emailAddress: `${login}@example.com`,
  };
}

/** A 40-hex "commit sha" derived from a label, so shas are stable across runs. */
export function fakeSha(label: string): string {
  return hashHex(`sha:${label}`);
}

// Large data sets ask for the same few people thousands of times: hash each label once.
const hashes = new Map<string, string>();

function hashHex(text: string): string {
  let hex = hashes.get(text);
  if (hex === undefined) {
    hex = createHash('sha1').update(text).digest('hex');
    if (hashes.size < 1_000) hashes.set(text, hex);
  }
  return hex;
}

/** ISO-8601 UTC without milliseconds, the form GitHub uses (`2024-01-01T09:00:00Z`). */
export function githubTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ISO-8601 UTC with milliseconds, the form the simulator stores Jira times in. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Milliseconds in an hour and a day, for readable arithmetic on timestamps. */
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Code-unit order: right for ISO times and keys, and far faster than `localeCompare` on large lists. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

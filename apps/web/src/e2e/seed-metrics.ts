/**
 * What finished syncs leave, for the browser tests: about five months of work items for a GitHub
 * repository and two Jira boards (deterministic, relative to now), then the metrics computed from
 * them as a sync computes them (snapshots with their item lists, a point per day and window). So
 * every number on the page is reproducible from its drill-down, as in production.
 */
import type { AppDb } from '../../../server/src/db/database.ts';
import { workItems } from '../../../server/src/db/schema.ts';
import { precomputeMetrics } from '../../../server/src/sync/precompute.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Days of items before now. */
export const SEEDED_DAYS = 150;

type Row = typeof workItems.$inferInsert;

function githubItems(integrationId: number, now: number): Row[] {
  const rows: Row[] = [];
  const start = now - SEEDED_DAYS * DAY;
  const merges: { at: number; sha: string }[] = [];
  for (let i = 0; i < 118; i++) {
    const opened = start + i * 30 * HOUR;
    const merged = opened + (10 + (i % 9) * 4) * HOUR;
    if (merged > now - HOUR) break;
    merges.push({ at: merged, sha: `m${i}` });
    rows.push({
      integrationId,
      kind: 'pull_request',
      externalId: String(100 + i),
      title: `Merged change ${i + 1}`,
      state: 'merged',
      createdAt: new Date(opened),
      startedAt: new Date(opened - (2 + (i % 5)) * HOUR),
      firstReviewAt: i % 6 === 0 ? null : new Date(opened + (1 + (i % 7)) * HOUR),
      finishedAt: new Date(merged),
      data: {
        url: `https://github.com/acme/alpha/pull/${100 + i}`,
        updatedAt: new Date(merged).toISOString(),
        closedAt: new Date(merged).toISOString(),
        mergeCommit: `m${i}`,
        additions: 15 + ((i * 37) % 480),
        deletions: (i * 11) % 120,
      },
    });
  }
  for (let i = 0; i < 5; i++) {
    const opened = now - (3 + i * 2) * DAY;
    rows.push({
      integrationId,
      kind: 'pull_request',
      externalId: String(300 + i),
      title: `Open change ${i + 1}`,
      state: 'open',
      createdAt: new Date(opened),
      startedAt: new Date(opened - HOUR),
      firstReviewAt: null,
      finishedAt: null,
      data: { url: `https://github.com/acme/alpha/pull/${300 + i}`, draft: i === 4 },
    });
  }
  // A production deployment every two days, shipping everything merged before it; some fail.
  for (let j = 0; start + (j + 1) * 2 * DAY < now; j++) {
    const finished = start + (j + 1) * 2 * DAY;
    const head = merges.filter((m) => m.at < finished - 10 * 60_000).at(-1);
    rows.push({
      integrationId,
      kind: 'deployment',
      externalId: String(9000 + j),
      title: head?.sha ?? '',
      state: j % 9 === 4 ? 'failure' : 'success',
      createdAt: new Date(finished - 10 * 60_000),
      startedAt: null,
      firstReviewAt: null,
      finishedAt: new Date(finished),
      data: { environment: 'production', production: true, sha: head?.sha ?? null },
    });
  }
  // An incident five hours after the deployment twenty days ago.
  const culprit = start + Math.floor((SEEDED_DAYS - 20) / 2) * 2 * DAY;
  rows.push({
    integrationId,
    kind: 'incident',
    externalId: '77',
    title: 'Checkout errors',
    state: 'closed',
    createdAt: new Date(culprit + 5 * HOUR),
    startedAt: null,
    firstReviewAt: null,
    finishedAt: new Date(culprit + 11 * HOUR),
    data: { url: 'https://github.com/acme/alpha/issues/77' },
  });
  return rows;
}

function jiraItems(integrationId: number, key: string, now: number, every: number): Row[] {
  const rows: Row[] = [];
  const start = now - SEEDED_DAYS * DAY;
  const sprintOf = (at: number) => Math.floor((at - start) / (14 * DAY));
  for (let s = 0; start + (s + 1) * 14 * DAY < now; s++) {
    rows.push({
      integrationId,
      kind: 'sprint',
      externalId: `${key}-s${s}`,
      title: `Sprint ${s + 1}`,
      state: 'closed',
      createdAt: new Date(start + s * 14 * DAY),
      startedAt: new Date(start + s * 14 * DAY),
      firstReviewAt: null,
      finishedAt: new Date(start + (s + 1) * 14 * DAY),
      data: {},
    });
  }
  for (let i = 0; ; i++) {
    const created = start + i * every * HOUR;
    if (created > now - DAY) break;
    const started = created + 12 * HOUR;
    const done = started + (30 + (i % 6) * 10) * HOUR;
    const finished = done < now - HOUR;
    rows.push({
      integrationId,
      kind: 'issue',
      externalId: `${key}-${i + 1}`,
      title: `${key} story ${i + 1}`,
      state: finished ? 'done' : 'in_progress',
      createdAt: new Date(created),
      startedAt: new Date(started),
      firstReviewAt: null,
      finishedAt: finished ? new Date(done) : null,
      storyPoints: 1 + (i % 5),
      sprint: finished ? `${key}-s${sprintOf(done)}` : null,
      data: {},
    });
  }
  return rows;
}

/** Stores the items and computes the metrics of the three integrations as syncs would. */
export async function seedMetrics(
  db: AppDb,
  ids: { github: number; jira: number; otherJira: number },
  now: number,
): Promise<void> {
  const rows = [
    ...githubItems(ids.github, now),
    ...jiraItems(ids.jira, 'ALPHA', now, 18),
    ...jiraItems(ids.otherJira, 'BETA', now, 12),
  ];
  for (let i = 0; i < rows.length; i += 500) await db.insert(workItems).values(rows.slice(i, i + 500));
  await precomputeMetrics(db, { id: ids.github, kind: 'github' }, now);
  await precomputeMetrics(db, { id: ids.jira, kind: 'jira' }, now);
  await precomputeMetrics(db, { id: ids.otherJira, kind: 'jira' }, now);
}

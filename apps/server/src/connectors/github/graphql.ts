/**
 * GitHub over GraphQL (the default reader): pull requests newest first by update time with, in
 * one query, reviews, the first commit's time, size, merge commit and labels; deployments newest
 * first with their statuses; incidents (issues with the incident label). About 3 points per 100
 * pull requests instead of a request per pull request.
 *
 * A full sync is a backfill: the newest 90 days of every stream first (then the sync publishes
 * partial metrics), the rest after, each page saved with the stream's cursor so a killed backfill
 * resumes where it stopped. An incremental sync reads each stream down to the last sync's marks.
 */
import type { ExternalClient } from '../http-client.ts';
import type { DeletedItem, FetchResult, KnownItem, Progress, SyncContext, WorkItemInput } from '../types.ts';
import { GithubGraphql, PageSize, RATE_LIMIT_FIELDS } from './graphql-client.ts';
import {
  type Deployment,
  type DeploymentStatus,
  deploymentItem,
  FINAL_DEPLOYMENT_STATES,
  type GithubConfig,
  incidentItem,
  isProduction,
  later,
  pullItem,
} from './items.ts';

/** How much history comes first, before partial metrics are published. */
export const FIRST_WINDOW_DAYS = 90;

/** Nodes per stream in an incremental sync's first query: enough for a usual day, about 1 point. */
const HEAD_SIZE = 10;

const PAGE = 'totalCount pageInfo { hasNextPage endCursor }';
const PULL_FIELDS = `nodes {
  number title state isDraft createdAt updatedAt closedAt mergedAt url author { login }
  additions deletions changedFiles mergeCommit { oid }
  labels(first: 10) { nodes { name } }
  reviews(first: 20) { nodes { state submittedAt } }
  commits(first: 1) { nodes { commit { authoredDate } } }
}`;
const DEPLOYMENT_FIELDS =
  'nodes { databaseId environment createdAt updatedAt commitOid statuses(first: 10) { nodes { state createdAt } } }';
const INCIDENT_FIELDS = 'nodes { number title state createdAt updatedAt closedAt url }';

const pullsOf = (first: string, after: string) =>
  `pullRequests(first: ${first}, after: ${after}, orderBy: {field: UPDATED_AT, direction: DESC}) { ${PAGE} ${PULL_FIELDS} }`;
const deploymentsOf = (first: string, after: string) =>
  `deployments(first: ${first}, after: ${after}, orderBy: {field: CREATED_AT, direction: DESC}) { ${PAGE} ${DEPLOYMENT_FIELDS} }`;
const incidentsOf = (first: string, after: string) =>
  `issues(first: ${first}, after: ${after}, labels: $labels, filterBy: {since: $since}, orderBy: {field: UPDATED_AT, direction: DESC}) { ${PAGE} ${INCIDENT_FIELDS} }`;

const query = (name: string, selection: string, extra = ', $after: String') =>
  `query ${name}($owner: String!, $name: String!, $first: Int!${extra}) {
  ${RATE_LIMIT_FIELDS}
  repository(owner: $owner, name: $name) { ${selection} }
}`;
const PULLS = query('Pulls', pullsOf('$first', '$after'));
const DEPLOYMENTS = query('Deployments', deploymentsOf('$first', '$after'));
const INCIDENTS = query(
  'Incidents',
  incidentsOf('$first', '$after'),
  ', $after: String, $labels: [String!], $since: DateTime',
);
/** An incremental sync's first request: the newest few of every stream, in one query (about 1 point). */
const HEAD = query(
  'Head',
  `pullRequests: ${pullsOf('$first', 'null')} deployments: ${deploymentsOf('$first', 'null')} issues: ${incidentsOf('$first', 'null')}`,
  ', $labels: [String!], $since: DateTime',
);

interface Connection<N> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: N[];
}
interface PullNode {
  number: number;
  title: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  isDraft: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  url: string;
  author: { login: string } | null;
  additions: number;
  deletions: number;
  changedFiles: number;
  mergeCommit: { oid: string } | null;
  labels: { nodes: { name: string }[] } | null;
  reviews: { nodes: { state: string; submittedAt: string | null }[] } | null;
  commits: { nodes: { commit: { authoredDate: string } }[] };
}
interface DeploymentNode {
  databaseId: number;
  environment: string;
  createdAt: string;
  updatedAt: string;
  commitOid: string;
  statuses: { nodes: { state: string; createdAt: string }[] } | null;
}
interface IssueNode {
  number: number;
  title: string;
  state: 'OPEN' | 'CLOSED';
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  url: string;
}

interface Repository {
  pullRequests?: Connection<PullNode>;
  deployments?: Connection<DeploymentNode>;
  issues?: Connection<IssueNode>;
}

type Stream = 'pulls' | 'deployments' | 'incidents';
const STREAMS: readonly Stream[] = ['pulls', 'deployments', 'incidents'];

/** The marks an incremental sync reads down to (the newest time each stream had). */
interface Marks {
  pulls?: string;
  deployments?: string;
  incidents?: string;
}

/** Where a backfill stands: saved with every page. */
interface BackfillState {
  historyFrom: string;
  published: boolean;
  marks: Marks;
  streams: Record<Stream, { after: string | null; done: boolean; pastWindow: boolean; size: number }>;
}

/** One page of a stream: its items, the time of its oldest node in the stream's order, the next cursor. */
interface Page {
  items: WorkItemInput[];
  /** Pull requests and incidents: update time; deployments: creation time. */
  times: string[];
  next: string | null;
  hasNext: boolean;
  total: number;
}

function pullOf(node: PullNode): WorkItemInput {
  const merged = node.mergedAt !== null;
  return pullItem(
    {
      number: node.number,
      state: node.state === 'OPEN' ? 'open' : 'closed',
      title: node.title,
      draft: node.isDraft,
      created_at: node.createdAt,
      updated_at: node.updatedAt,
      closed_at: node.closedAt,
      merged_at: node.mergedAt,
      html_url: node.url,
      user: node.author,
      merge_commit_sha: merged ? (node.mergeCommit?.oid ?? null) : null,
      labels: node.labels?.nodes ?? [],
    },
    (node.reviews?.nodes ?? []).map((r) => ({ state: r.state, submitted_at: r.submittedAt })),
    {
      firstCommitAt: node.commits.nodes[0]?.commit.authoredDate ?? null,
      additions: node.additions,
      deletions: node.deletions,
      changedFiles: node.changedFiles,
    },
  );
}

const deploymentOf = (node: DeploymentNode): Deployment => ({
  id: node.databaseId,
  environment: node.environment,
  created_at: node.createdAt,
  updated_at: node.updatedAt,
  sha: node.commitOid,
});
const statusesOf = (node: DeploymentNode): DeploymentStatus[] =>
  (node.statuses?.nodes ?? []).map((s) => ({ state: s.state.toLowerCase(), created_at: s.createdAt }));

/** Reads the pages of one repository's streams. */
class Reader {
  readonly graphql: GithubGraphql;
  readonly #sizes = new Map<Stream, PageSize>();

  constructor(
    client: ExternalClient,
    baseUrl: string,
    readonly config: GithubConfig,
  ) {
    this.graphql = new GithubGraphql(client, baseUrl);
  }

  size(stream: Stream, start?: number): PageSize {
    let size = this.#sizes.get(stream);
    if (!size) {
      size = new PageSize({}, start);
      this.#sizes.set(stream, size);
    }
    return size;
  }

  #variables(after: string | null, since?: string) {
    return {
      owner: this.config.owner,
      name: this.config.repo,
      after,
      labels: [this.config.incidentLabel ?? 'incident'],
      since: since ?? null,
    };
  }

  /** One page of a stream. */
  async page(stream: Stream, after: string | null, since?: string): Promise<Page> {
    const text = stream === 'pulls' ? PULLS : stream === 'deployments' ? DEPLOYMENTS : INCIDENTS;
    const { labels, since: from, ...base } = this.#variables(after, since);
    const variables = stream === 'incidents' ? { ...base, labels, since: from } : base;
    return this.size(stream).run(this.graphql, async (first, attempts) => {
      const data = await this.graphql.query<{ repository: Repository }>(text, { ...variables, first }, attempts);
      return this.#convert(stream, data.repository);
    });
  }

  /** The first page of every stream in one query (`first` nodes each). */
  async head(first: number, since?: string): Promise<Record<Stream, Page>> {
    const data = await this.graphql.query<{ repository: Repository }>(
      HEAD,
      { ...this.#variables(null, since), first },
      6,
    );
    return {
      pulls: this.#convert('pulls', data.repository),
      deployments: this.#convert('deployments', data.repository),
      incidents: this.#convert('incidents', data.repository),
    };
  }

  #convert(stream: Stream, repository: Repository): Page {
    if (stream === 'pulls') {
      const c = repository.pullRequests!;
      return this.#page(
        c,
        c.nodes.map(pullOf),
        c.nodes.map((n) => n.updatedAt),
      );
    }
    if (stream === 'deployments') {
      const c = repository.deployments!;
      const items = c.nodes.map((node) => {
        const production = isProduction(node.environment, this.config);
        return deploymentItem(deploymentOf(node), production ? statusesOf(node) : [], production);
      });
      return this.#page(
        c,
        items,
        c.nodes.map((n) => n.createdAt),
      );
    }
    const c = repository.issues!;
    const items = c.nodes.map((n) =>
      incidentItem({
        number: n.number,
        title: n.title,
        state: n.state === 'OPEN' ? 'open' : 'closed',
        created_at: n.createdAt,
        updated_at: n.updatedAt,
        closed_at: n.closedAt,
        html_url: n.url,
      }),
    );
    return this.#page(
      c,
      items,
      c.nodes.map((n) => n.updatedAt),
    );
  }

  #page<N>(c: Connection<N>, items: WorkItemInput[], times: string[]): Page {
    return { items, times, next: c.pageInfo.endCursor, hasNext: c.pageInfo.hasNextPage, total: c.totalCount };
  }
}

const LABEL: Record<Stream, string> = { pulls: 'pull requests', deployments: 'deployments', incidents: 'incidents' };

/** A full sync: every stream, newest 90 days first, saved page by page through `ctx.backfill`. */
async function backfill(
  reader: Reader,
  ctx: SyncContext & { backfill: NonNullable<SyncContext['backfill']> },
  progress: Progress,
): Promise<FetchResult> {
  const now = ctx.now ?? Date.now();
  const fresh: BackfillState = {
    historyFrom: new Date(now - FIRST_WINDOW_DAYS * 86_400_000).toISOString(),
    published: false,
    marks: {},
    streams: {
      pulls: { after: null, done: false, pastWindow: false, size: 100 },
      deployments: { after: null, done: false, pastWindow: false, size: 100 },
      incidents: { after: null, done: false, pastWindow: false, size: 100 },
    },
  };
  const state = (ctx.backfill.state as BackfillState | null) ?? fresh;
  let saved = 0;
  const read: Record<Stream, number> = { pulls: 0, deployments: 0, incidents: 0 };
  const step = async (stream: Stream) => {
    const s = state.streams[stream];
    reader.size(stream, s.size); // a resumed backfill goes on at the size it had reached
    const page = await reader.page(stream, s.after);
    for (const time of page.times) state.marks[stream] = later(state.marks[stream], time);
    s.after = page.next ?? s.after;
    s.done = !page.hasNext;
    s.pastWindow = s.done || (page.times.at(-1) ?? '') < state.historyFrom;
    s.size = reader.size(stream).value;
    read[stream] += page.items.length;
    await ctx.backfill.save(page.items, state as unknown as Record<string, unknown>);
    saved += page.items.length;
    progress(LABEL[stream], read[stream], page.total);
  };
  // The newest window of every stream, then partial metrics, then the rest.
  for (const stream of STREAMS) while (!state.streams[stream].pastWindow) await step(stream);
  if (!state.published) {
    await ctx.backfill.windowComplete(new Date(state.historyFrom));
    state.published = true;
    await ctx.backfill.save([], state as unknown as Record<string, unknown>);
  }
  for (const stream of STREAMS) while (!state.streams[stream].done) await step(stream);
  return { items: [], deleted: [], complete: true, saved: true, savedCount: saved, cursor: { ...state.marks } };
}

/** An incremental sync: each stream newest first, down to the last sync's mark. */
async function incremental(reader: Reader, ctx: SyncContext, progress: Progress): Promise<FetchResult> {
  const marks = (ctx.cursor ?? {}) as Marks;
  const next: Marks = { ...marks };
  const items: WorkItemInput[] = [];
  const deleted: DeletedItem[] = [];

  // One query for the newest few of every stream; most syncs need nothing more.
  const head = await reader.head(HEAD_SIZE, marks.incidents);
  const pageOf = (stream: Stream, after: string | null, since?: string) =>
    after === null ? Promise.resolve(head[stream]) : reader.page(stream, after, since);

  // Pull requests changed since the mark, newest change first.
  const knownPulls = await ctx.known('pull_request');
  for (let after: string | null = null, more = true; more; ) {
    const page = await pageOf('pulls', after);
    let reachedMark = false;
    for (const [i, item] of page.items.entries()) {
      const updated = page.times[i]!;
      next.pulls = later(next.pulls, updated);
      if (marks.pulls !== undefined && updated < marks.pulls) {
        reachedMark = true;
        break;
      }
      if (knownPulls.get(item.externalId)?.updatedAt !== updated) items.push(item);
    }
    progress('pull requests', items.length);
    more = page.hasNext && !reachedMark;
    after = page.next;
  }

  // Deployments newest first, down to the mark and to the oldest one still running when last read.
  const knownDeployments: ReadonlyMap<string, KnownItem> = await ctx.known('deployment');
  const running = [...knownDeployments.values()].filter(
    (k) => k.state !== 'untracked' && !FINAL_DEPLOYMENT_STATES.has(k.state),
  );
  const floor = [marks.deployments, ...running.map((k) => k.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'))]
    .filter((t): t is string => t !== undefined)
    .sort()[0];
  const seen = new Set<string>();
  let oldestRead: string | undefined;
  for (let after: string | null = null, more = true; more; ) {
    const page = await pageOf('deployments', after);
    let passed = false;
    for (const [i, item] of page.items.entries()) {
      const created = page.times[i]!;
      seen.add(item.externalId);
      oldestRead = created;
      next.deployments = later(next.deployments, created);
      const known = knownDeployments.get(item.externalId);
      if (known === undefined || known.updatedAt !== item.data.updatedAt || known.state !== item.state)
        items.push(item);
      if (floor !== undefined && created < floor) {
        passed = true;
        break;
      }
    }
    more = page.hasNext && !passed;
    after = page.next;
  }
  for (const [id, known] of knownDeployments) {
    const inRange = oldestRead !== undefined && known.createdAt.getTime() >= Date.parse(oldestRead);
    if (inRange && !seen.has(id)) deleted.push({ kind: 'deployment', externalId: id });
  }
  progress('deployments', seen.size);

  // Incidents updated since the mark.
  const knownIncidents = await ctx.known('incident');
  for (let after: string | null = null, more = true; more; ) {
    const page = await pageOf('incidents', after, marks.incidents);
    for (const [i, item] of page.items.entries()) {
      next.incidents = later(next.incidents, page.times[i]!);
      if (knownIncidents.get(item.externalId)?.updatedAt !== page.times[i]) items.push(item);
    }
    more = page.hasNext;
    after = page.next;
  }
  return { items, deleted, complete: false, cursor: next as Record<string, unknown> };
}

/** Fetches what changed in one repository over GraphQL (a resumable backfill on a full sync). */
export async function fetchGithubGraphql(
  client: ExternalClient,
  baseUrl: string,
  config: GithubConfig,
  ctx: SyncContext,
  progress: Progress,
): Promise<FetchResult> {
  const reader = new Reader(client, baseUrl, config);
  const result =
    ctx.full && ctx.backfill
      ? await backfill(reader, { ...ctx, backfill: ctx.backfill }, progress)
      : ctx.full
        ? await incremental(reader, { ...ctx, cursor: null, known: async () => new Map() }, progress)
        : await incremental(reader, ctx, progress);
  return { ...result, complete: result.complete || ctx.full };
}

/**
 * The Jira Cloud endpoints a connector needs: the enhanced JQL search (token paging), issue
 * changelogs (offset paging), boards, sprints and sprint issues (Agile API), projects.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SimContext } from '../context.ts';
import type { JiraIssue } from '../dataset/types.ts';
import { baseUrlOf, errorBody, intParam, queryParam } from '../http.ts';
import {
  type FieldSelection,
  fieldList,
  formatHistory,
  formatIssue,
  formatSprint,
  parseFields,
  selectsNothing,
} from './format.ts';
import { type CompiledJql, compileJql, JqlError } from './jql.ts';
import { type JiraAnswer, jiraResponder } from './respond.ts';

/** Page sizes: search defaults to 50 (100 at most when fields are asked for, else 5000). */
export const SEARCH_DEFAULT_MAX = 50;
const SEARCH_MAX_WITH_FIELDS = 100;
const SEARCH_MAX_IDS_ONLY = 5000;
/** An expanded changelog in the Cloud search holds at most this many histories (the newest). */
export const INLINE_CHANGELOG_MAX = 40;
/** The changelog endpoint pages by 100, the Agile API by 50. */
const CHANGELOG_MAX = 100;
const AGILE_MAX = 50;

const badRequest = (message: string): JiraAnswer => ({ status: 400, body: errorBody('jira', message) });
const notFound = (message: string): JiraAnswer => ({ status: 404, body: errorBody('jira', message) });

const searchBodySchema = z.object({
  jql: z.string().optional(),
  nextPageToken: z.string().nullish(),
  maxResults: z.number().int().min(0).optional(),
  fields: z.array(z.string()).optional(),
  expand: z.union([z.string(), z.array(z.string())]).optional(),
});

interface SearchRequest {
  jql: string;
  nextPageToken: string | undefined;
  maxResults: number | undefined;
  fields: string[] | undefined;
  expand: string[];
}

/** All values of a query parameter (`fields=a,b&fields=c` → `['a,b', 'c']`). */
function queryList(request: FastifyRequest, name: string): string[] | undefined {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

function expandList(raw: string | readonly string[] | undefined): string[] {
  const items = typeof raw === 'string' ? [raw] : (raw ?? []);
  return items.flatMap((item) => item.split(',')).map((item) => item.trim());
}

function compile(jql: string): CompiledJql | JiraAnswer {
  try {
    return compileJql(jql);
  } catch (error) {
    if (error instanceof JqlError) return badRequest(error.message);
    throw error;
  }
}

function isAnswer(value: CompiledJql | JiraAnswer): value is JiraAnswer {
  return 'status' in value;
}

// The token names the query it belongs to, so a token replayed with another query is refused.
function pageToken(jql: string, offset: number): string {
  const query = createHash('sha256').update(jql).digest('hex').slice(0, 16);
  return Buffer.from(JSON.stringify({ o: offset, q: query })).toString('base64url');
}

function offsetOf(token: string, jql: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0) return undefined;
    return pageToken(jql, parsed.o) === token ? parsed.o : undefined;
  } catch {
    return undefined;
  }
}

/** Registers the Jira routes. */
export function registerJiraRoutes(app: FastifyInstance, ctx: SimContext): void {
  const answer = jiraResponder(ctx);
  const jira = () => ctx.dataset.data.jira;

  // A sync pages through one query hundreds of times: match and sort once per query, data
  // revision and (for relative dates) instant, not once per page.
  let memo: { key: string; matching: JiraIssue[] } | undefined;
  function matchingIssues(jql: string): JiraIssue[] | JiraAnswer {
    const compiled = compile(jql);
    if (isAnswer(compiled)) return compiled;
    if (!compiled.bounded) {
      return badRequest('Unbounded JQL queries are not allowed here. Please add a search restriction to your query.');
    }
    const now = ctx.now();
    const key = `${ctx.dataset.revision}|${compiled.relative ? now : ''}|${jql}`;
    if (memo?.key === key && memo.matching !== undefined) return memo.matching;
    const env = { sprints: jira().sprints, now };
    const matching = compiled.sort(jira().issues.filter((issue) => compiled.matches(issue, env)));
    memo = { key, matching };
    return matching;
  }

  function search(request: FastifyRequest, input: SearchRequest): JiraAnswer {
    const matching = matchingIssues(input.jql);
    if (!Array.isArray(matching)) return matching;

    let offset = 0;
    if (input.nextPageToken) {
      const decoded = offsetOf(input.nextPageToken, input.jql);
      if (decoded === undefined) return badRequest('The provided next page token is invalid or expired.');
      offset = decoded;
    }
    const fields = parseFields(input.fields, false);
    const cap = selectsNothing(fields) ? SEARCH_MAX_IDS_ONLY : SEARCH_MAX_WITH_FIELDS;
    const max = Math.min(cap, Math.max(1, input.maxResults ?? SEARCH_DEFAULT_MAX));
    const page = matching.slice(offset, offset + max);
    const next = offset + page.length;
    const isLast = next >= matching.length;
    const base = baseUrlOf(request);
    const format = {
      fields,
      changelog: input.expand.includes('changelog'),
      changelogLimit: INLINE_CHANGELOG_MAX,
      look: ctx.jira.look,
    };
    return {
      status: 200,
      body: {
        issues: page.map((issue) => formatIssue(issue, ctx.dataset, base, format)),
        // Like Jira Cloud, the last page carries no `nextPageToken` key at all.
        ...(isLast ? {} : { nextPageToken: pageToken(input.jql, next) }),
        isLast,
      },
    };
  }

  app.post('/rest/api/3/search/jql', (request, reply) =>
    answer(request, reply, () => {
      const body = searchBodySchema.safeParse(request.body ?? {});
      if (!body.success)
        return badRequest('Invalid request payload. Refer to the REST API documentation and try again.');
      return search(request, {
        jql: body.data.jql ?? '',
        nextPageToken: body.data.nextPageToken ?? undefined,
        maxResults: body.data.maxResults,
        fields: body.data.fields,
        expand: expandList(body.data.expand),
      });
    }),
  );

  app.get('/rest/api/3/search/jql', (request, reply) =>
    answer(request, reply, () =>
      search(request, {
        jql: queryParam(request, 'jql') ?? '',
        nextPageToken: queryParam(request, 'nextPageToken'),
        maxResults: queryParam(request, 'maxResults') === undefined ? undefined : intParam(request, 'maxResults', 0),
        fields: queryList(request, 'fields'),
        expand: expandList(queryList(request, 'expand')),
      }),
    ),
  );

  app.post('/rest/api/3/search/approximate-count', (request, reply) =>
    answer(request, reply, () => {
      const jql = (request.body as { jql?: unknown } | undefined)?.jql;
      if (typeof jql !== 'string') return badRequest('jql is required.');
      const matching = matchingIssues(jql);
      return Array.isArray(matching) ? { status: 200, body: { count: matching.length } } : matching;
    }),
  );

  for (const version of ['2', '3']) {
    app.get(`/rest/api/${version}/field`, (request, reply) =>
      answer(request, reply, () => ({ status: 200, body: fieldList(ctx.jira.look) })),
    );
  }

  // Jira Server / Data Center: the offset-paged search with `total`; an expanded changelog is complete.
  const searchV2 = (request: FastifyRequest, input: SearchRequest & { startAt: number }): JiraAnswer => {
    const matching = matchingIssues(input.jql);
    if (!Array.isArray(matching)) return matching;
    const max = Math.min(SEARCH_MAX_WITH_FIELDS, Math.max(0, input.maxResults ?? SEARCH_DEFAULT_MAX));
    const page = matching.slice(input.startAt, input.startAt + max);
    const base = baseUrlOf(request);
    const format = {
      fields: parseFields(input.fields, true),
      changelog: input.expand.includes('changelog'),
      look: ctx.jira.look,
    };
    return {
      status: 200,
      body: {
        expand: 'schema,names',
        startAt: input.startAt,
        maxResults: max,
        total: matching.length,
        issues: page.map((issue) => formatIssue(issue, ctx.dataset, base, format)),
      },
    };
  };
  app.get('/rest/api/2/search', (request, reply) =>
    answer(request, reply, () =>
      searchV2(request, {
        jql: queryParam(request, 'jql') ?? '',
        nextPageToken: undefined,
        startAt: intParam(request, 'startAt', 0),
        maxResults: queryParam(request, 'maxResults') === undefined ? undefined : intParam(request, 'maxResults', 0),
        fields: queryList(request, 'fields'),
        expand: expandList(queryList(request, 'expand')),
      }),
    ),
  );

  // The offset-paged search was removed from Jira Cloud; a connector still calling it should fail loudly.
  const removed = (request: FastifyRequest, reply: Parameters<typeof answer>[1]) =>
    answer(request, reply, () => ({
      status: 410,
      body: errorBody('jira', 'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.'),
    }));
  app.get('/rest/api/3/search', removed);
  app.post('/rest/api/3/search', removed);

  app.get<{ Params: { issueIdOrKey: string } }>('/rest/api/3/issue/:issueIdOrKey/changelog', (request, reply) =>
    answer(request, reply, () => {
      const issue = ctx.dataset.jiraIssue(request.params.issueIdOrKey);
      if (!issue) return notFound('Issue does not exist or you do not have permission to see it.');
      const base = baseUrlOf(request);
      const startAt = intParam(request, 'startAt', 0);
      const maxResults = Math.min(CHANGELOG_MAX, Math.max(1, intParam(request, 'maxResults', CHANGELOG_MAX)));
      const values = issue.changelog.slice(startAt, startAt + maxResults);
      const total = issue.changelog.length;
      const isLast = startAt + values.length >= total;
      const self = `${base}/rest/api/3/issue/${issue.key}/changelog`;
      return {
        status: 200,
        body: {
          self: `${self}?startAt=${startAt}&maxResults=${maxResults}`,
          ...(isLast ? {} : { nextPage: `${self}?startAt=${startAt + maxResults}&maxResults=${maxResults}` }),
          maxResults,
          startAt,
          total,
          isLast,
          values: values.map((history) => formatHistory(history, base, ctx.jira.look)),
        },
      };
    }),
  );

  app.get('/rest/api/3/project/search', (request, reply) =>
    answer(request, reply, () => {
      const base = baseUrlOf(request);
      const projects = jira().projects.map((p) => ({
        self: `${base}/rest/api/3/project/${p.id}`,
        id: p.id,
        key: p.key,
        name: p.name,
        projectTypeKey: 'software',
      }));
      return { status: 200, body: agilePage(request, projects, 'values', true) };
    }),
  );

  app.get('/rest/agile/1.0/board', (request, reply) =>
    answer(request, reply, () => {
      const base = baseUrlOf(request);
      const wanted = queryParam(request, 'projectKeyOrId');
      const boards = jira()
        .projects.filter((p) => wanted === undefined || p.key === wanted || p.id === wanted)
        .map((p) => ({
          id: p.boardId,
          self: `${base}/rest/agile/1.0/board/${p.boardId}`,
          name: `${p.key} board`,
          type: 'scrum',
          location: { projectId: Number(p.id), projectKey: p.key, projectName: p.name },
        }));
      return { status: 200, body: agilePage(request, boards, 'values', true) };
    }),
  );

  app.get<{ Params: { boardId: string } }>('/rest/agile/1.0/board/:boardId/sprint', (request, reply) =>
    answer(request, reply, () => {
      const boardId = Number(request.params.boardId);
      if (!jira().projects.some((p) => p.boardId === boardId)) {
        return notFound('Board does not exist or you do not have permission to see it.');
      }
      const states = queryParam(request, 'state')
        ?.split(',')
        .map((s) => s.trim());
      const base = baseUrlOf(request);
      const sprints = jira()
        .sprints.filter((s) => s.originBoardId === boardId && (!states || states.includes(s.state)))
        .map((s) => formatSprint(s, base));
      // Jira's sprint listing pages without a `total`.
      return { status: 200, body: agilePage(request, sprints, 'values', false) };
    }),
  );

  app.get<{ Params: { sprintId: string } }>('/rest/agile/1.0/sprint/:sprintId/issue', (request, reply) =>
    answer(request, reply, () => {
      const sprintId = Number(request.params.sprintId);
      if (!jira().sprints.some((s) => s.id === sprintId)) {
        return notFound(
          'The requested sprint cannot be viewed because it either does not exist or you do not have permission to view it.',
        );
      }
      let issues: JiraIssue[] = jira().issues.filter((issue) => issue.sprintIds.includes(sprintId));
      const jql = queryParam(request, 'jql');
      if (jql) {
        const compiled = compile(jql);
        if (isAnswer(compiled)) return compiled;
        const env = { sprints: jira().sprints, now: ctx.now() };
        issues = compiled.sort(issues.filter((issue) => compiled.matches(issue, env)));
      }
      const fields: FieldSelection = parseFields(queryList(request, 'fields'), true);
      const format = {
        fields,
        changelog: expandList(queryList(request, 'expand')).includes('changelog'),
        look: ctx.jira.look,
      };
      const base = baseUrlOf(request);
      const page = agilePage(request, issues, 'issues', true);
      return {
        status: 200,
        body: {
          expand: 'schema,names',
          ...page,
          issues: page.issues.map((issue) => formatIssue(issue, ctx.dataset, base, format)),
        },
      };
    }),
  );
}

/** Offset paging as the Agile API (and project search) does it: `startAt`, `maxResults`, `isLast`. */
function agilePage<T, K extends string>(
  request: FastifyRequest,
  items: readonly T[],
  key: K,
  withTotal: boolean,
): { startAt: number; maxResults: number; isLast: boolean; total?: number } & Record<K, T[]> {
  const startAt = intParam(request, 'startAt', 0);
  const maxResults = Math.min(AGILE_MAX, Math.max(1, intParam(request, 'maxResults', AGILE_MAX)));
  const values = items.slice(startAt, startAt + maxResults);
  const page = {
    maxResults,
    startAt,
    ...(withTotal ? { total: items.length } : {}),
    isLast: startAt + values.length >= items.length,
    [key]: values,
  };
  return page as { startAt: number; maxResults: number; isLast: boolean; total?: number } & Record<K, T[]>;
}

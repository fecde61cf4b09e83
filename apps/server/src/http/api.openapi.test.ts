/**
 * The API describes itself: GET /api/openapi.json is a valid OpenAPI 3.1 document generated from
 * the zod schemas in @agiletrack/domain, it lists exactly the routes the server registers, every
 * JSON read answers exactly its documented shape, and /api/docs renders it. Anonymous callers may read both.
 */
import { API_ROUTES } from '@agiletrack/domain';
import { openApiPath } from '@agiletrack/domain/openapi';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { serverFor } from '../testing/api-helpers.ts';

// Routes that are not part of the JSON API: Fastify's automatic HEAD routes, the dashboard's
// catch-all, and Swagger UI's own pages and assets under /api/docs/.
const notApi = (route: string) => {
  const [method, path] = route.split(' ') as [string, string];
  return method === 'HEAD' || path === '/*' || path.startsWith('/api/docs/');
};

/** Paths of the fields of `sent` that `parsed` lacks. */
function droppedFields(sent: unknown, parsed: unknown, path = ''): string[] {
  if (sent === null || typeof sent !== 'object') return [];
  if (parsed === null || typeof parsed !== 'object') return [path || '(body)'];
  return Object.entries(sent).flatMap(([key, value]) => {
    const inner = `${path}${path ? '.' : ''}${key}`;
    return key in parsed ? droppedFields(value, (parsed as Record<string, unknown>)[key], inner) : [inner];
  });
}

describe('the OpenAPI document', () => {
  const api = serverFor('postgres');

  it('is served to anonymous callers and validates as OpenAPI 3.1', async () => {
    const response = await api.request({ method: 'GET', url: '/api/openapi.json', as: null });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document);
    expect({ valid: result.valid, errors: result.errors }).toEqual({ valid: true, errors: undefined });
    expect(validator.version).toBe('3.1');
  });

  it('lists every route the server registers, and no route it does not', async () => {
    const document = (await api.request({ method: 'GET', url: '/api/openapi.json', as: null })).json();
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const registered = [
      ...new Set(
        api.t.server.app.registeredRoutes
          .filter((route) => !notApi(route))
          .map((route) => {
            const [method, path] = route.split(' ') as [string, string];
            return `${method} ${openApiPath(path)}`;
          }),
      ),
    ].sort();
    expect(registered.length).toBeGreaterThan(25);
    expect(documented).toEqual(registered);
    expect(documented).toHaveLength(API_ROUTES.length);
  });

  it('answers every JSON read with exactly the shape the document gives it', async () => {
    const { ids } = api.t;
    const sync = await api.request({ method: 'POST', url: `/api/integrations/${ids.integrationA}/sync` });
    expect(sync.statusCode).toBe(202);
    const params: Record<string, string> = {
      teamId: String(ids.teamA),
      integrationId: String(ids.integrationA),
      userId: String(ids.alice),
      jobId: sync.json().jobId,
    };
    const queries: Record<string, string> = { '/api/teams/:teamId/work-items': '?metric=leadTimeHours' };
    const reads = API_ROUTES.filter((route) => route.method === 'GET' && route.produces === undefined);
    expect(reads.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const route of reads) {
      const url =
        route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => params[name]!) + (queries[route.path] ?? '');
      const response = await api.request({ method: 'GET', url });
      const schema = route.responses[response.statusCode];
      if (!schema) {
        problems.push(`${route.path}: undocumented status ${response.statusCode}`);
        continue;
      }
      const body = response.json();
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        problems.push(
          ...parsed.error.issues.map((issue) => `${route.path}: ${issue.path.join('.')}: ${issue.message}`),
        );
      } else {
        // Parsing drops fields a schema does not name: the body must come through whole.
        problems.push(...droppedFields(body, parsed.data).map((field) => `${route.path}: ${field}: not in the schema`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('renders the document at /api/docs', async () => {
    let response = await api.request({ method: 'GET', url: '/api/docs', as: null });
    for (let hops = 0; response.statusCode >= 300 && response.statusCode < 400 && hops < 3; hops++) {
      const location = new URL(String(response.headers.location), 'http://localhost/api/docs/');
      response = await api.request({ method: 'GET', url: location.pathname, as: null });
    }
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('swagger-ui');
    const initializer = await api.request({ method: 'GET', url: '/api/docs/static/swagger-initializer.js', as: null });
    expect(initializer.statusCode).toBe(200);
    const served = await api.request({ method: 'GET', url: '/api/docs/json', as: null });
    expect(served.json().paths).toEqual(
      (await api.request({ method: 'GET', url: '/api/openapi.json', as: null })).json().paths,
    );
  });
});

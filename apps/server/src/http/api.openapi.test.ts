/**
 * The API describes itself: GET /api/openapi.json is a valid OpenAPI 3.1 document generated from
 * the zod schemas in @agiletrack/domain, it lists exactly the routes the server registers, and
 * /api/docs renders it. Anonymous callers may read both.
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

import { describe, expect, it } from 'vitest';
import { API_ROUTES, ROUTES, routePath } from './routes.ts';

describe('the route table', () => {
  it('names each route once, by id and by method and path', () => {
    expect(new Set(API_ROUTES.map((spec) => spec.id)).size).toBe(API_ROUTES.length);
    expect(new Set(API_ROUTES.map((spec) => `${spec.method} ${spec.path}`)).size).toBe(API_ROUTES.length);
    for (const spec of API_ROUTES) expect(ROUTES[spec.id as keyof typeof ROUTES]).toBe(spec);
  });

  it('declares a schema for exactly the parameters each path names', () => {
    for (const spec of API_ROUTES) {
      const named = [...spec.path.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]).sort();
      const declared = Object.keys(spec.params?.shape ?? {}).sort();
      expect({ route: spec.id, declared }).toEqual({ route: spec.id, declared: named });
    }
  });

  it('gives every route a success status and a body only to methods that send one', () => {
    for (const spec of API_ROUTES) {
      expect(Object.keys(spec.responses).some((code) => code.startsWith('2'))).toBe(true);
      if (spec.body) expect(['POST', 'PATCH']).toContain(spec.method);
    }
  });

  it('builds a path from its parameters, encoding each', () => {
    expect(routePath(ROUTES['teams.get'], { teamId: 12 })).toBe('/api/teams/12');
    expect(routePath(ROUTES['members.remove'], { teamId: 1, userId: 'a/b' })).toBe('/api/teams/1/members/a%2Fb');
    expect(() => routePath(ROUTES['teams.get'], {})).toThrow(/teamId/);
  });

  it('parses path ids to row ids, null for ids that name no row', () => {
    const params = ROUTES['teams.get'].params;
    expect(params.parse({ teamId: '12' })).toEqual({ teamId: 12 });
    expect(params.parse({ teamId: '2147483648' })).toEqual({ teamId: null });
    expect(params.parse({ teamId: '3B241101-E2BB-4255-8CAF-4136C566A962' })).toEqual({ teamId: null });
    for (const bad of ['0', '01', 'team_1', '1.5', ' 1']) expect(params.safeParse({ teamId: bad }).success).toBe(false);
    expect(ROUTES['jobs.get'].params.parse({ jobId: '3B241101-E2BB-4255-8CAF-4136C566A962' })).toEqual({
      jobId: '3b241101-e2bb-4255-8caf-4136c566a962',
    });
    expect(ROUTES['jobs.get'].params.parse({ jobId: '7' })).toEqual({ jobId: null });
  });
});

import { describe, expect, it } from 'vitest';
import { startTestServer, TEST_MODES } from '../testing/harness.ts';

describe.each(TEST_MODES)('%s', (mode) => {
  it('probe', async () => {
    const s = performance.now();
    const t = await startTestServer(mode);
    console.log(mode, 'start ms', Math.round(performance.now() - s));
    const id = t.ids.teamA;
    const cache = t.server.deps.serverCache.cache;
    await t.request({ method: 'GET', url: `/api/teams/${id}` });
    const old = await cache.get(`team_${id}`);
    await cache.delete(`team_${id}`);
    let release!: (v: unknown) => void;
    const gate = new Promise((r) => { release = r; });
    let started!: () => void;
    const startedP = new Promise<void>((r) => { started = r; });
    const reader = cache.getOrSet(`team_${id}`, () => { started(); return gate; }, { forceFresh: false, tags: [`team:${id}`] });
    await startedP;
    const invalidated = new Promise<void>((r) => { const off = t.server.deps.hub.subscribe(() => { off(); r(); }); });
    const patch = t.request({ method: 'PATCH', url: `/api/teams/${id}`, payload: { name: 'NEW' } });
    await invalidated;
    release(old);
    console.log('reader', (await reader as {name: string}).name);
    const p = await patch;
    console.log('patch', p.statusCode, p.body);
    const g = await t.request({ method: 'GET', url: `/api/teams/${id}` });
    console.log('get', g.headers['x-cache'], g.body);
    const h = await t.request({ method: 'GET', url: `/api/health` });
    console.log(h.body);
    const s2 = performance.now();
    await t.close();
    console.log(mode, 'close ms', Math.round(performance.now() - s2));
  });
});

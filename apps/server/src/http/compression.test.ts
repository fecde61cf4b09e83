import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { precompress } from '../../../web/src/node/build.ts';
import { serverFor } from '../testing/api-helpers.ts';
import { encodedEtag, negotiateEncoding, registerCompression } from './compression.ts';
import { webRoutes } from './routes/web.ts';

const decode = (response: LightMyRequestResponse): string => {
  const encoding = response.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(response.rawPayload).toString();
  if (encoding === 'gzip') return gunzipSync(response.rawPayload).toString();
  return response.body;
};

describe('content coding', () => {
  it('picks brotli, else gzip, as Accept-Encoding allows', () => {
    expect(negotiateEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(negotiateEncoding('gzip, deflate')).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=0.5, gzip;q=0.8')).toBe('gzip');
    expect(negotiateEncoding('*')).toBe('br');
    expect(negotiateEncoding('identity')).toBeUndefined();
    expect(negotiateEncoding('gzip;q=0, br;q=0')).toBeUndefined();
    expect(negotiateEncoding(undefined)).toBeUndefined();
    expect(encodedEtag('"abc"', 'br')).toBe('"abc-br"');
    expect(encodedEtag('W/"abc"', 'gzip')).toBe('W/"abc-gz"');
    expect(encodedEtag('"abc"', undefined)).toBe('"abc"');
  });
});

describe('compressed answers (embedded)', () => {
  const api = serverFor('embedded');

  /** Enough teams that the list is well over the compression threshold. */
  async function manyTeams(): Promise<void> {
    for (let i = 0; i < 12; i++) {
      await api.request({
        method: 'POST',
        url: '/api/teams',
        payload: { name: `Compressed ${i} ${Date.now()}`, description: 'a description '.repeat(8) },
      });
    }
  }

  it('compresses a cached JSON answer as asked, each coding with its own ETag, and answers 304 to it', async () => {
    await manyTeams();
    const plain = await api.request({ method: 'GET', url: '/api/teams' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);
    expect(plain.headers.vary).toContain('Accept-Encoding');
    const etags = new Set([plain.headers.etag]);
    for (const [accept, coding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
    ] as const) {
      const response = await api.request({ method: 'GET', url: '/api/teams', headers: { 'accept-encoding': accept } });
      expect({ accept, coding: response.headers['content-encoding'] }).toEqual({ accept, coding });
      expect(response.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
      expect(JSON.parse(decode(response))).toEqual(plain.json());
      expect(response.headers.vary).toContain('Accept-Encoding');
      expect(response.headers['x-cache']).toBe('HIT');
      etags.add(response.headers.etag);
      const revalidated = await api.request({
        method: 'GET',
        url: '/api/teams',
        headers: { 'accept-encoding': accept, 'if-none-match': response.headers.etag as string },
      });
      expect(revalidated.statusCode).toBe(304);
      expect(revalidated.headers.etag).toBe(response.headers.etag);
      // Another coding's ETag names another representation: the full answer.
      const other = await api.request({
        method: 'GET',
        url: '/api/teams',
        headers: { 'accept-encoding': accept, 'if-none-match': plain.headers.etag as string },
      });
      expect(other.statusCode).toBe(200);
    }
    expect(etags.size).toBe(3);
  });

  it('compresses other JSON answers (the OpenAPI document) but not tiny ones', async () => {
    const document = await api.request({
      method: 'GET',
      url: '/api/openapi.json',
      as: null,
      headers: { 'accept-encoding': 'br' },
    });
    expect(document.headers['content-encoding']).toBe('br');
    expect(document.headers.vary).toContain('Accept-Encoding');
    expect(JSON.parse(decode(document)).openapi).toMatch(/^3\.1/);
    const health = await api.request({
      method: 'GET',
      url: '/api/health',
      as: null,
      headers: { 'accept-encoding': 'br' },
    });
    expect(health.rawPayload.length).toBeLessThan(1024);
    expect(health.headers['content-encoding']).toBeUndefined();
    const error = await api.request({
      method: 'GET',
      url: '/api/teams',
      as: null,
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(error.statusCode).toBe(401);
    expect(error.headers['content-encoding']).toBeUndefined();
    expect(error.json().error.code).toBe('E_UNAUTHENTICATED');
  });

  it('answers 304 to a revalidation of a compressed documentation file, with the coded ETag', async () => {
    const page = await api.request({ method: 'GET', url: '/api/docs/', as: null });
    const script = /src="\.?\/?([^"]*swagger-ui-bundle\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const url = `/api/docs/${script!.replace(/^\.?\/?(api\/docs\/)?/, '')}`;
    for (const encoding of ['br', 'gzip'] as const) {
      const headers = { 'accept-encoding': encoding };
      const first = await api.request({ method: 'GET', url, as: null, headers });
      expect({ status: first.statusCode, coding: first.headers['content-encoding'] }).toEqual({
        status: 200,
        coding: encoding,
      });
      const etag = String(first.headers.etag);
      expect(etag).toMatch(encoding === 'br' ? /-br"$/ : /-gz"$/);
      const again = await api.request({ method: 'GET', url, as: null, headers: { ...headers, 'if-none-match': etag } });
      expect({ status: again.statusCode, etag: again.headers.etag, body: again.body }).toEqual({
        status: 304,
        etag,
        body: '',
      });
      // A tag of another coding is another representation: the whole file again.
      const other = encoding === 'br' ? 'gzip' : 'br';
      const switched = await api.request({
        method: 'GET',
        url,
        as: null,
        headers: { 'accept-encoding': other, 'if-none-match': etag },
      });
      expect({ status: switched.statusCode, coding: switched.headers['content-encoding'] }).toEqual({
        status: 200,
        coding: other,
      });
    }
  });
});

describe('the dashboard files', () => {
  const root = mkdtempSync(join(tmpdir(), 'agiletrack-web-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const script = `console.log(${JSON.stringify('a dashboard script '.repeat(200))});`;

  async function app() {
    writeFileSync(join(root, 'index.html'), `<!doctype html><title>x</title>${'<p>page</p>'.repeat(200)}`);
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'assets/app-abc123.js'), script);
    writeFileSync(join(root, 'assets/tiny-abc123.js'), 'export {};');
    precompress(root);
    const server = Fastify();
    registerCompression(server);
    await server.register(webRoutes({ root }));
    return server;
  }

  it('serves the precompressed file the browser asks for, with per-coding ETags and working 304s', async () => {
    const server = await app();
    const plain = await server.inject({ url: '/assets/app-abc123.js' });
    expect(plain.body).toBe(script);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const etags = new Set([plain.headers.etag]);
    for (const [accept, coding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
    ] as const) {
      const response = await server.inject({ url: '/assets/app-abc123.js', headers: { 'accept-encoding': accept } });
      expect(response.headers['content-encoding']).toBe(coding);
      expect(response.headers.vary).toMatch(/accept-encoding/i);
      expect(response.headers['cache-control']).toContain('immutable');
      expect(decode(response)).toBe(script);
      etags.add(response.headers.etag);
      const again = await server.inject({
        url: '/assets/app-abc123.js',
        headers: { 'accept-encoding': accept, 'if-none-match': response.headers.etag as string },
      });
      expect(again.statusCode).toBe(304);
    }
    expect(etags.size).toBe(3);
    // index.html for a client-side route, compressed too.
    const page = await server.inject({ url: '/teams/3', headers: { 'accept-encoding': 'br' } });
    expect(page.headers['content-encoding']).toBe('br');
    expect(decode(page)).toContain('<title>x</title>');
    // A file under the threshold has no compressed copy and goes out as it is.
    const tiny = await server.inject({ url: '/assets/tiny-abc123.js', headers: { 'accept-encoding': 'br' } });
    expect({ status: tiny.statusCode, coding: tiny.headers['content-encoding'] }).toEqual({
      status: 200,
      coding: undefined,
    });
    await server.close();
  });
});

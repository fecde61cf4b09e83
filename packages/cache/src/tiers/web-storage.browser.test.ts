/**
 * The web-storage tier in a real Chromium (Debian's, through playwright-core): a 200 KB value is
 * stored, packed with the browser's CompressionStream, and read back after a reload; an entry
 * Node packed with zlib is read by the browser, and one the browser packed is read by Node.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntryCodec } from '../codec/entry-codec.ts';

const CHROMIUM = '/usr/bin/chromium';
const HERE = dirname(fileURLToPath(import.meta.url));

/** The page's code: a cache on localStorage, as a dashboard builds it. */
const ENTRY = `
import { createCache } from '../index.ts';
import { webStorageTier } from './web-storage.ts';
export function open() {
  const tier = webStorageTier({ prefix: 't_' });
  const cache = createCache({ tiers: [tier], ttl: 3_600_000, sweepInterval: 0 });
  return { tier, cache };
}
`;

/** What the page's bundle exposes as `lib`. */
interface PageLib {
  open(): {
    tier: { ready(): Promise<void> };
    cache: { get(key: string): Promise<unknown>; set(key: string, value: unknown): Promise<void> };
  };
}

/** About 200 KB of JSON that compresses as real data does (repeated field names, varied numbers). */
const BIG = Array.from({ length: 3_200 }, (_, i) => ({
  id: i,
  team: `team_${i % 37}`,
  leadTimeHours: ((i * 7_919) % 10_000) / 100,
  merged: i % 3 === 0,
}));

describe.skipIf(!existsSync(CHROMIUM))('web-storage tier in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    const bundle = await build({
      stdin: { contents: ENTRY, resolveDir: HERE, loader: 'ts' },
      bundle: true,
      format: 'iife',
      globalName: 'lib',
      platform: 'browser',
      target: 'es2022',
      write: false,
      conditions: ['@agiletrack/source'],
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.text;
    server = createServer((request, response) => {
      if (request.url === '/lib.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      } else response.writeHead(200, { 'content-type': 'text/html' }).end('<script src="/lib.js"></script>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    page = await browser.newPage();
    await page.goto(url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Reloads the page and reads `key` through a fresh cache once the tier has unpacked. */
  async function readAfterReload(key: string): Promise<unknown> {
    await page.reload();
    return page.evaluate(async (k) => {
      const { tier, cache } = (globalThis as unknown as { lib: PageLib }).lib.open();
      await tier.ready();
      return cache.get(k);
    }, key);
  }

  it('stores a 200 KB value compressed and reads it back after a reload', async () => {
    const stored = await page.evaluate(async (value) => {
      const { cache } = (globalThis as unknown as { lib: PageLib }).lib.open();
      await cache.set('big', value);
      // Packed a moment after the write: wait for it.
      for (let i = 0; i < 500 && !localStorage.getItem('t_big')!.includes('"z":1'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return { packed: localStorage.getItem('t_big')!, sameTab: await cache.get('big') };
    }, BIG);
    const plainLength = JSON.stringify(BIG).length;
    expect(plainLength).toBeGreaterThan(200_000);
    expect(stored.packed).toContain('"z":1');
    expect(stored.packed.length).toBeLessThan(plainLength / 3);
    expect(stored.sameTab).toEqual(BIG);
    expect(await readAfterReload('big')).toEqual(BIG);

    // What the browser packed, Node reads with zlib.
    const node = createEntryCodec().decode('big', stored.packed);
    expect(node.entry.value).toEqual(BIG);
  });

  it('reads an entry Node compressed with zlib', async () => {
    const now = Date.now();
    const raw = createEntryCodec({ compressThreshold: 0 }).encode(
      'from_node',
      { value: BIG.slice(0, 500), createdAt: now, expiresAt: now + 3_600_000, staleUntil: now + 3_600_000 },
      now + 3_600_000,
    );
    expect(raw).toContain('"z":1');
    await page.evaluate((stored) => localStorage.setItem('t_from_node', stored), raw);
    expect(await readAfterReload('from_node')).toEqual(BIG.slice(0, 500));
  });
});

/**
 * Browser tests against the real server: builds the dashboard into apps/web/dist (what `npm start`
 * serves), starts an embedded test server with seeded teams, integrations and metrics, listens on
 * a free loopback port, and drives Debian's Chromium through playwright-core.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { syncRuns } from '../../../server/src/db/schema.ts';
import { startTestServer, type TestServer } from '../../../server/src/testing/harness.ts';
import { ensureDashboardBuilt } from '../node/build.ts';
import { seedMetrics } from './seed-metrics.ts';

/** Debian's Chromium; never a browser downloaded by Playwright. */
export const CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The credentials seeded into the test server; none may ever reach browser storage. */
export const SECRETS = ['ghp_SECRET_A_never_returned', 'jira_SECRET_B_never_returned', 'jira_SECRET_C_never_returned'];

/** The logins of the users the test server starts with. */
export const LOGINS = {
  admin: { email: 'admin@test.local', password: 'admin-password-1' },
  alice: { email: 'alice@test.local', password: 'alice-password-1' },
  bob: { email: 'bob@test.local', password: 'bob-password-1' },
} as const;

/** Everything a browser test needs. */
export interface Dashboard {
  readonly server: TestServer;
  readonly baseUrl: string;
  readonly browser: Browser;
  /** A second integration of team A (Jira), so team A has two. */
  readonly integrationA2: number;
  close(): Promise<void>;
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

/** Builds, starts and launches; see the file comment. */
export async function startDashboard(): Promise<Dashboard> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`browser tests need Debian's Chromium at ${CHROMIUM} (apt-get install chromium)`);
  }
  await ensureDashboardBuilt();
  const server = await startTestServer('embedded');
  try {
    const { db, integrations } = server.server.deps;
    const second = await integrations.createIntegration(server.ids.teamA, {
      kind: 'jira',
      name: 'A board',
      config: { baseUrl: 'http://127.0.0.1:9', projectKey: 'ALPHA', boardId: 2, email: 'alice@test.local' },
      credentials: { apiToken: 'jira_SECRET_C_never_returned' },
    });
    // What finished syncs leave: items, and the numbers computed from them (seed-metrics.ts).
    await seedMetrics(
      db,
      { github: server.ids.integrationA, jira: second.id, otherJira: server.ids.integrationB },
      Date.now(),
    );
    await db.insert(syncRuns).values(
      [server.ids.integrationA, second.id, server.ids.integrationB].map((integrationId) => ({
        integrationId,
        status: 'succeeded' as const,
        startedAt: hoursAgo(2.01),
        finishedAt: hoursAgo(2),
        stats: { requests: 3 },
      })),
    );
    await server.server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.server.app.server.address() as AddressInfo;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    return {
      server,
      baseUrl: `http://127.0.0.1:${port}`,
      browser,
      integrationA2: second.id,
      async close() {
        await browser.close().catch(() => {});
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** A fresh browser profile (its own localStorage and cookies) at 1280×800. */
export function newContext(dashboard: Dashboard): Promise<BrowserContext> {
  return dashboard.browser.newContext({ baseURL: dashboard.baseUrl, viewport: { width: 1280, height: 800 } });
}

/** Logs in through the login form and waits for the teams page. */
export async function logIn(page: Page, who: keyof typeof LOGINS): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(LOGINS[who].email);
  await page.getByLabel('Password').fill(LOGINS[who].password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Teams' }).waitFor({ timeout: 10_000 });
}

/** Everything in localStorage, sessionStorage and IndexedDB of the page's origin, as text. */
export async function dumpBrowserStorage(page: Page): Promise<{ keys: string[]; text: string }> {
  return page.evaluate(async () => {
    const parts: string[] = [];
    const keys: string[] = [];
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key === null) continue;
        keys.push(key);
        parts.push(key, storage.getItem(key) ?? '');
      }
    }
    const databases = typeof indexedDB.databases === 'function' ? await indexedDB.databases() : [];
    for (const info of databases) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const rows = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store, 'readonly').objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        parts.push(`indexedDB:${info.name}/${store}`, JSON.stringify(rows));
      }
      db.close();
    }
    return { keys, text: parts.join('\n') };
  });
}

/** The keys of localStorage. */
export function localStorageKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(localStorage));
}

/** Parses a stored browser-cache entry (`{"data": …, "timestamp": …}`), or undefined. */
export async function storedEntry(page: Page, key: string): Promise<{ data: unknown; timestamp: number } | undefined> {
  const raw = await page.evaluate((k) => localStorage.getItem(k), key);
  return raw === null ? undefined : (JSON.parse(raw) as { data: unknown; timestamp: number });
}

/** Waits until localStorage holds every key in `keys`. */
export async function waitForStoredKeys(page: Page, keys: readonly string[], timeout = 10_000): Promise<void> {
  await page.waitForFunction((wanted) => wanted.every((key) => localStorage.getItem(key) !== null), keys, { timeout });
}

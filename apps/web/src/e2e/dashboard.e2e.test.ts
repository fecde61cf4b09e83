/**
 * The dashboard in real headless Chromium against the real server (embedded mode): instant
 * rendering from the browser cache, live invalidation, force refresh, logout hygiene, a full
 * localStorage, recovery from bad cached data, no credentials in browser storage, screenshots.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSimulator, DEFAULT_GITHUB_TOKEN } from '@agiletrack/api-simulator';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WEB_ROOT } from '../node/build.ts';
import {
  type Dashboard,
  dumpBrowserStorage,
  localStorageKeys,
  logIn,
  newContext,
  SECRETS,
  startDashboard,
  storedEntry,
  waitForStoredKeys,
} from './harness.ts';

const TEST_MS = 45_000;

let dashboard: Dashboard;
let context: BrowserContext | undefined;
let storageChecks = 0;

beforeAll(async () => {
  dashboard = await startDashboard();
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
});

/** A fresh profile and page for one test; its storage is checked for credentials afterwards. */
async function openPage(): Promise<Page> {
  context = await newContext(dashboard);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return page;
}

// (6) After every test: no seeded credential in localStorage, sessionStorage or IndexedDB of any page.
afterEach(async () => {
  if (!context) return;
  try {
    for (const page of context.pages()) {
      if (page.isClosed() || !page.url().startsWith(dashboard.baseUrl)) continue;
      const { text } = await dumpBrowserStorage(page);
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      storageChecks++;
    }
  } finally {
    await context.close();
    context = undefined;
  }
});

const keysOf = (userId: number, teamId: number) => [
  `agiletrack_u${userId}:team_${teamId}`,
  `agiletrack_u${userId}:team_${teamId}_integrations`,
  `agiletrack_u${userId}:team_${teamId}_metrics`,
];

async function openTeamPage(page: Page, teamId: number): Promise<void> {
  await page.goto(`/teams/${teamId}`);
  await page.getByTestId('team-name').waitFor({ timeout: 10_000 });
  await page.getByTestId('team-metrics').waitFor({ timeout: 10_000 });
}

describe('dashboard in Chromium', () => {
  it(
    'renders a team page from the browser cache on a warm reload, before any API request completes',
    async () => {
      const page = await openPage();
      const { alice, teamA } = dashboard.server.ids;
      await logIn(page, 'alice');
      await openTeamPage(page, teamA);
      await waitForStoredKeys(page, keysOf(alice, teamA));

      // Hold every API request (except the event stream) until the content has been checked.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const started: string[] = [];
      const gated = new Set<Request>();
      let completed = 0;
      await page.route('**/api/**', async (route) => {
        const url = new URL(route.request().url());
        if (url.pathname === '/api/events') return route.continue();
        started.push(url.pathname);
        gated.add(route.request());
        await gate;
        await route.continue();
        completed++;
      });
      const revalidations: { path: string; ifNoneMatch: string | undefined; status: number }[] = [];
      // Only the requests the reload sent: a response to a request from before the reload (the
      // first visit's reads finishing late) is not a revalidation.
      page.on('response', async (response) => {
        if (!gated.has(response.request())) return;
        const path = new URL(response.url()).pathname;
        const headers = await response.request().allHeaders();
        revalidations.push({ path, ifNoneMatch: headers['if-none-match'], status: response.status() });
      });

      await page.reload({ waitUntil: 'domcontentloaded' });
      await page.getByTestId('team-name').waitFor({ timeout: 5_000 });
      await page.getByRole('link', { name: 'A repo' }).waitFor({ timeout: 5_000 });
      await page.getByRole('link', { name: 'A board' }).waitFor({ timeout: 5_000 });
      await page.getByTestId('metric-cards').waitFor({ timeout: 5_000 });
      expect(await page.getByTestId('team-name').textContent()).toBe('Team A');
      const cards = await page.getByTestId('metric-cards').textContent();
      // PR and issue throughput stay separate numbers.
      expect(cards).toMatch(/[\d.]+ \/ week.*PR throughput/);
      expect(cards).toMatch(/[\d.]+ \/ week.*Issue throughput/);

      // The revalidations were sent and are all still held: the content above came from the cache.
      const teamPaths = [`/api/teams/${teamA}`, `/api/teams/${teamA}/integrations`, `/api/teams/${teamA}/metrics`];
      await expect.poll(() => [...teamPaths, '/api/me'].every((path) => started.includes(path))).toBe(true);
      expect(completed).toBe(0);

      release();
      // Nothing changed on the server: each revalidation carried the stored ETag and got a 304.
      await expect
        .poll(() => teamPaths.every((path) => revalidations.some((r) => r.path === path)), { timeout: 10_000 })
        .toBe(true);
      for (const path of teamPaths) {
        for (const seen of revalidations.filter((r) => r.path === path)) {
          expect(seen.ifNoneMatch, path).toMatch(/^"/);
          expect(seen.status, path).toBe(304);
        }
      }
      expect(await page.getByTestId('team-name').textContent()).toBe('Team A');
    },
    TEST_MS,
  );

  it(
    'shows a change made by another user within 2 s, through the event stream, without a reload',
    async () => {
      const page = await openPage();
      const { teamA } = dashboard.server.ids;
      await logIn(page, 'alice');
      await openTeamPage(page, teamA);
      await page.locator('.live.live').waitFor({ timeout: 10_000 });
      await page.evaluate(() => {
        (window as { __marker?: number }).__marker = 1;
      });

      const started = performance.now();
      const patched = await dashboard.server.request({
        method: 'PATCH',
        url: `/api/teams/${teamA}`,
        payload: { name: 'Team A (renamed by admin)' },
        as: 'admin',
      });
      expect(patched.statusCode).toBe(200);
      try {
        await page.waitForFunction(
          () => document.querySelector('[data-testid="team-name"]')?.textContent === 'Team A (renamed by admin)',
          null,
          { timeout: 2_000 },
        );
        expect(performance.now() - started).toBeLessThan(2_000);
        expect(await page.evaluate(() => (window as { __marker?: number }).__marker)).toBe(1);
        // The new value replaced the old one in localStorage too.
        const { alice } = dashboard.server.ids;
        await expect
          .poll(
            async () =>
              ((await storedEntry(page, `agiletrack_u${alice}:team_${teamA}`))?.data as { name?: string })?.name,
          )
          .toBe('Team A (renamed by admin)');
      } finally {
        await dashboard.server.request({
          method: 'PATCH',
          url: `/api/teams/${teamA}`,
          payload: { name: 'Team A' },
          as: 'admin',
        });
      }
    },
    TEST_MS,
  );

  it(
    'Force refresh re-requests the page data with Cache-Control: no-cache and refills every tier',
    async () => {
      const page = await openPage();
      const { alice, teamA, integrationA } = dashboard.server.ids;
      await logIn(page, 'alice');
      await openTeamPage(page, teamA);
      await waitForStoredKeys(page, keysOf(alice, teamA));
      const before = await storedEntry(page, `agiletrack_u${alice}:team_${teamA}_metrics`);

      const requests: Request[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/')) requests.push(request);
      });
      await page.getByRole('button', { name: 'Refresh', exact: true }).click();
      await page.getByText(/Refreshed \d+ items from the server/).waitFor({ timeout: 10_000 });

      const expected = [
        `/api/teams/${teamA}`,
        `/api/teams/${teamA}/integrations`,
        `/api/teams/${teamA}/metrics`,
        `/api/integrations/${integrationA}/last-sync`,
      ];
      for (const path of expected) {
        const request = requests.find((r) => new URL(r.url()).pathname === path);
        expect(request, path).toBeDefined();
        const headers = await request!.allHeaders();
        expect(headers['cache-control'], path).toBe('no-cache');
        expect(headers['if-none-match'], path).toBeUndefined();
        const response = await request!.response();
        expect(response?.status(), path).toBe(200);
        // The server saw the bypass: every tier of its cache was skipped and refilled.
        expect(response?.headers()['x-cache'], path).toBe('BYPASS');
      }
      const after = await storedEntry(page, `agiletrack_u${alice}:team_${teamA}_metrics`);
      expect(after!.timestamp).toBeGreaterThan(before!.timestamp);
    },
    TEST_MS,
  );

  it(
    'logout removes every agiletrack_ key of that user from localStorage, and nothing else',
    async () => {
      const page = await openPage();
      const { alice, teamA, integrationA } = dashboard.server.ids;
      await page.goto('/login');
      // Another user's cache entry and another application's key, which logout must leave alone.
      await page.evaluate(() => {
        localStorage.setItem(
          'agiletrack_u999:teams',
          JSON.stringify({ v: 1, timestamp: 1, expiresAt: 9e15, staleUntil: 9e15, data: [] }),
        );
        localStorage.setItem('other_app_setting', 'keep me');
      });
      await logIn(page, 'alice');
      await openTeamPage(page, teamA);
      await page.goto(`/integrations/${integrationA}`);
      await page.getByTestId('integration-name').waitFor({ timeout: 10_000 });
      await waitForStoredKeys(page, [
        ...keysOf(alice, teamA),
        `agiletrack_u${alice}:integration_${integrationA}`,
        'agiletrack_me',
      ]);

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 10_000 });
      await expect.poll(() => localStorageKeys(page)).not.toContain('agiletrack_me');
      const keys = await localStorageKeys(page);
      expect(keys.filter((key) => key.startsWith(`agiletrack_u${alice}:`))).toEqual([]);
      expect(keys).toContain('agiletrack_u999:teams');
      expect(keys).toContain('other_app_setting');

      // The session is over on the server too, and a reload shows the login form, not cached data.
      expect(await page.evaluate(async () => (await fetch('/api/me')).status)).toBe(401);
      await page.goto(`/teams/${teamA}`);
      await page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('team-name').count()).toBe(0);
    },
    TEST_MS,
  );

  it(
    'keeps working with localStorage full of other data, and records the failed writes in its stats',
    async () => {
      const page = await openPage();
      const { teamA } = dashboard.server.ids;
      await page.goto('/login');
      const filled = await page.evaluate(() => {
        let chunk = 'x'.repeat(1 << 20);
        let i = 0;
        while (chunk.length > 0) {
          try {
            localStorage.setItem(`junk_${i++}`, chunk);
          } catch {
            chunk = chunk.slice(0, Math.floor(chunk.length / 2));
          }
        }
        return i;
      });
      expect(filled).toBeGreaterThan(1);

      // The cache monitor is an admin page.
      await logIn(page, 'admin');
      await openTeamPage(page, teamA);
      expect(await page.getByTestId('team-name').textContent()).toBe('Team A');
      await page.getByRole('link', { name: 'A repo' }).waitFor();
      const stats = await page.evaluate(() => window.__agiletrackCache!.stats().localStorage);
      expect(stats.quotaFailures).toBeGreaterThan(0);
      expect(stats.available).toBe(true);

      // The monitor shows it, and raises an alert.
      await page.getByRole('link', { name: 'Admin', exact: true }).click();
      await page.getByRole('link', { name: 'Cache monitor', exact: true }).click();
      await expect
        .poll(async () => Number(await page.getByTestId('quota-failures').textContent()), { timeout: 10_000 })
        .toBeGreaterThan(0);
      // The counter renders from the page's first read of the browser stats; the alerts from the
      // first poll that follows it.
      await page.getByTestId('alerts').getByText('localStorage is full').waitFor({ timeout: 10_000 });

      // A reload still works: the page loads from the server (the remembered user could not be stored).
      await page.goto(`/teams/${teamA}`);
      await page.getByTestId('team-name').waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('team-name').textContent()).toBe('Team A');
      await page.getByTestId('team-metrics').waitFor({ timeout: 10_000 });
    },
    TEST_MS,
  );

  it(
    'drops cached values that fail their schema or crash the page, refetches them, and does not crash again on reload',
    async () => {
      const page = await openPage();
      const { alice, teamA } = dashboard.server.ids;
      await logIn(page, 'alice');
      await openTeamPage(page, teamA);
      const [teamKey, integrationsKey] = keysOf(alice, teamA) as [string, string, string];
      await waitForStoredKeys(page, [teamKey, integrationsKey]);

      // Corrupt two entries: a team whose name is not a string (fails its schema), and integrations
      // that pass the schema but belong to another team (the page refuses to render them).
      await page.evaluate(
        ([team, integrations]) => {
          const edit = <T>(key: string, change: (data: T) => unknown) => {
            const entry = JSON.parse(localStorage.getItem(key)!) as { data: T };
            localStorage.setItem(key, JSON.stringify({ ...entry, data: change(entry.data) }));
          };
          edit<Record<string, unknown>>(team!, (data) => ({ ...data, name: 42 }));
          edit<Record<string, unknown>[]>(integrations!, (data) => data.map((i) => ({ ...i, teamId: 999_999 })));
        },
        [teamKey, integrationsKey],
      );

      await page.reload();
      await page.getByTestId('team-name').waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('team-name').textContent()).toBe('Team A');
      await page.getByRole('link', { name: 'A repo' }).waitFor({ timeout: 10_000 });
      const { recoveries } = await page.evaluate(() => window.__agiletrackCache!.stats());
      expect(recoveries.schemaDrops).toBeGreaterThanOrEqual(1);
      expect(recoveries.boundaryResets).toBe(1);
      // The stored entries were replaced by good ones.
      await expect
        .poll(async () => ((await storedEntry(page, teamKey))?.data as { name?: unknown })?.name)
        .toBe('Team A');
      await expect
        .poll(
          async () =>
            ((await storedEntry(page, integrationsKey))?.data as { teamId: number }[] | undefined)?.[0]?.teamId,
        )
        .toBe(teamA);

      await page.reload();
      await page.getByRole('link', { name: 'A repo' }).waitFor({ timeout: 10_000 });
      const again = await page.evaluate(() => window.__agiletrackCache!.stats().recoveries);
      expect(again).toEqual({ schemaDrops: 0, boundaryResets: 0 });
    },
    TEST_MS,
  );

  it(
    'takes a 1280×800 screenshot of every page',
    async () => {
      const page = await openPage();
      const { teamA, integrationA } = dashboard.server.ids;
      // Committed screenshots change only on request; otherwise they go to a temporary folder.
      const update = process.env.UPDATE_SCREENSHOTS === '1';
      const folder = update ? resolve(WEB_ROOT, '../../docs/screenshots') : join(tmpdir(), 'agiletrack-screenshots');
      mkdirSync(folder, { recursive: true });
      const shoot = async (name: string) => {
        await page.evaluate(() => document.fonts.ready);
        const png = await page.screenshot({ type: 'png' });
        // IHDR: width and height are big-endian at bytes 16 and 20.
        expect([png.readUInt32BE(16), png.readUInt32BE(20)], name).toEqual([1280, 800]);
        expect(png.length, name).toBeGreaterThan(10_000);
        writeFileSync(join(folder, `${name}.png`), png);
      };

      await page.goto('/login');
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      await shoot('login');
      await logIn(page, 'admin');
      await page.getByRole('link', { name: 'Team B' }).waitFor();
      await shoot('teams');
      await openTeamPage(page, teamA);
      await page
        .getByText(/succeeded/)
        .first()
        .waitFor({ timeout: 10_000 });
      await shoot('team');
      await page.goto(`/integrations/${integrationA}`);
      await page.getByTestId('integration-metrics').waitFor({ timeout: 10_000 });
      await shoot('integration');
      await page.getByRole('link', { name: 'Admin', exact: true }).click();
      await page.getByRole('link', { name: 'Cache', exact: true }).click();
      await page.getByText('L1 memory').first().waitFor({ timeout: 10_000 });
      await shoot('admin-cache');
      await page.getByRole('link', { name: 'Cache monitor', exact: true }).click();
      // Three polls, so the hit-rate charts have two intervals to draw.
      await expect.poll(async () => page.getByText(/\b3 samples this session/).count(), { timeout: 15_000 }).toBe(1);
      await shoot('cache-monitor');
      await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Cache analytics' }).click();
      await page.getByTestId('families').waitFor({ timeout: 10_000 });
      await shoot('cache-analytics');
    },
    TEST_MS,
  );

  it(
    'shows metrics over a custom window, kept in memory only (a session-specific variant)',
    async () => {
      const page = await openPage();
      const { alice, teamA } = dashboard.server.ids;
      await logIn(page, 'alice');
      await openTeamPage(page, teamA);
      const windowed = page.waitForResponse((r) => r.url().endsWith(`/api/teams/${teamA}/metrics?windowDays=7`));
      await page.getByTestId('window-days').selectOption('7');
      expect((await windowed).status()).toBe(200);
      await page.getByTestId('team-metrics').waitFor({ timeout: 10_000 });
      const keys = await page.evaluate(() => Object.keys(localStorage));
      expect(keys).toContain(`agiletrack_u${alice}:team_${teamA}_metrics`); // the default window persists
      expect(keys.filter((key) => key.includes('_metrics_w'))).toEqual([]); // the variant does not
    },
    TEST_MS,
  );

  it(
    'shows the lead time card reproducible from its drill-down: deployed changes, each with its lead time',
    async () => {
      const page = await openPage();
      const { teamA } = dashboard.server.ids;
      await logIn(page, 'alice');
      await openTeamPage(page, teamA);
      const card = page.getByTestId('metric-card-leadTimeHours');
      await card.click();
      await page.getByTestId('drill-summary').waitFor({ timeout: 10_000 });
      await page.getByTestId('work-item').first().waitFor({ timeout: 10_000 });
      const count = Number(await page.getByTestId('drill-summary').getAttribute('data-count'));
      expect(count).toBeGreaterThan(0);
      const rows = page.getByTestId('work-item');
      for (let listed = await rows.count(); listed < count; listed = await rows.count()) {
        await page.getByRole('button', { name: 'More' }).click();
        await expect.poll(() => rows.count()).toBeGreaterThan(listed);
      }
      // Every row is a pull request shipped by a deployment; the median of their values is the card.
      const values = (await rows.evaluateAll((list) => list.map((row) => Number(row.getAttribute('data-value'))))).sort(
        (a, b) => a - b,
      );
      expect(values).toHaveLength(count);
      const mid = (values.length - 1) / 2;
      const median =
        values[Math.floor(mid)]! + (values[Math.ceil(mid)]! - values[Math.floor(mid)]!) * (mid - Math.floor(mid));
      const shown = Number(await card.getByTestId('card-value').getAttribute('data-value'));
      expect(Math.round(median * 100) / 100).toBe(shown);
      expect(await rows.first().textContent()).toContain('shipped by deployment');
      expect(await card.getByTestId('card-statistic').textContent()).toBe('median');
      expect(await card.getByTestId('band-leadTimeHours').getAttribute('data-band')).toMatch(/elite|high|medium|low/);

      // The deployments view: the change failure rate card is its failed ÷ total.
      const deployments = page.getByTestId('deployments-summary');
      await deployments.waitFor({ timeout: 10_000 });
      const failed = Number(await deployments.getAttribute('data-failed'));
      const total = Number(await deployments.getAttribute('data-total'));
      const rate = page.getByTestId('metric-card-changeFailureRate').getByTestId('card-value');
      expect(total).toBeGreaterThan(0);
      expect(Number(await rate.getAttribute('data-value'))).toBe(Math.round((failed / total) * 10_000) / 10_000);

      // The trend follows the window: 7 days chosen, its points are 7-day windows.
      await page.getByTestId('window-days').selectOption('7');
      await expect.poll(() => page.getByTestId('trend-charts').getAttribute('data-window')).toBe('7');
    },
    TEST_MS,
  );

  it(
    'announces a goal breach on an open dashboard and posts it to the team webhook (a local receiver)',
    async () => {
      const posts: string[] = [];
      const receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => {
          body += chunk;
        });
        request.on('end', () => {
          posts.push(body);
          response.end('ok');
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      try {
        const page = await openPage();
        const { teamA } = dashboard.server.ids;
        await logIn(page, 'alice');
        await openTeamPage(page, teamA);
        // The webhook is set on the page and never shown back.
        const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/secret-path`;
        const form = page.getByTestId('webhook-form');
        await form.getByLabel('Incoming webhook URL').fill(hook);
        await form.getByRole('button', { name: 'Save webhook' }).click();
        await expect.poll(() => page.getByTestId('webhook-state').textContent()).toContain('the team’s webhook');
        expect(await page.content()).not.toContain('secret-path');
        // A teammate sets a goal the team misses: the open page hears of it, the receiver gets it.
        const created = await dashboard.server.request({
          method: 'POST',
          url: `/api/teams/${teamA}/goals`,
          as: 'alice',
          payload: { metric: 'prThroughputPerWeek', comparator: 'atLeast', threshold: 100 },
        });
        expect(created.json().goal.status).toBe('breached');
        const banner = page.getByTestId('goal-breach');
        await banner.waitFor({ timeout: 10_000 });
        expect(await banner.textContent()).toContain('PR throughput');
        await expect.poll(() => page.locator('[data-testid="goal"][data-status="breached"]').count()).toBe(1);
        await expect.poll(() => posts.length, { timeout: 10_000 }).toBe(1);
        expect(JSON.parse(posts[0]!).text).toMatch(
          /^Goal breached: PR throughput is .* goal ≥ 100 \/ week \(28 days\)$/,
        );
        await dashboard.server.request({ method: 'DELETE', url: `/api/goals/${created.json().goal.id}`, as: 'alice' });
      } finally {
        await new Promise((resolve) => receiver.close(resolve));
      }
    },
    TEST_MS,
  );

  it(
    "shows a day-by-day trend, a metric's explanation and the items behind it; the window survives a reload",
    async () => {
      const page = await openPage();
      const { teamA } = dashboard.server.ids;
      await logIn(page, 'alice');
      await openTeamPage(page, teamA);
      // One point per day over the last 90 days of the history the test server starts with.
      const charts = page.getByTestId('trend-charts');
      await charts.waitFor({ timeout: 10_000 });
      expect(await charts.getAttribute('data-points')).toBe('90');
      const from = await charts.getAttribute('data-from');
      const to = await charts.getAttribute('data-to');
      expect((Date.parse(to!) - Date.parse(from!)) / 86_400_000).toBe(89);
      expect(await page.locator('[data-testid="trend-charts"] .time-chart').count()).toBeGreaterThan(1);

      // The seeded history starts 150 days ago: a 28-day window is complete for all 90 days shown.
      expect(await page.getByTestId('history-incomplete').count()).toBe(0);

      // A metric: its explanation, and the pull requests behind it, linked to GitHub.
      await page.getByTestId('metric-card-prMergeTimeHours').click();
      const explanation = page.getByTestId('metric-explanation');
      await explanation.waitFor({ timeout: 5_000 });
      expect(await explanation.textContent()).toContain('opened to its merge');
      await page.getByTestId('work-item').first().waitFor({ timeout: 10_000 });
      const first = page.getByTestId('work-item').first().getByRole('link');
      expect(await first.getAttribute('href')).toMatch(/^https:\/\/github\.com\/acme\/alpha\/pull\/\d+$/);
      // The card is the list's number: the same value, and the list holds as many items as it says.
      const summary = page.getByTestId('drill-summary');
      const card = page.getByTestId('metric-card-prMergeTimeHours').getByTestId('card-value');
      expect(await summary.getAttribute('data-value')).toBe(await card.getAttribute('data-value'));
      const count = Number(await summary.getAttribute('data-count'));
      expect(await page.getByTestId('work-item').count()).toBe(Math.min(25, count)); // a page…
      if (count > 25) {
        await page.getByRole('button', { name: 'More' }).click();
        await expect.poll(() => page.getByTestId('work-item').count()).toBe(Math.min(50, count)); // …and more
      }

      // The window is in the URL: a reload keeps it, and the metric chosen.
      await page.getByTestId('window-days').selectOption('14');
      await expect.poll(() => new URL(page.url()).searchParams.get('window')).toBe('14');
      await page.reload();
      await page.getByTestId('team-metrics').waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('window-days').inputValue()).toBe('14');
      expect(new URL(page.url()).searchParams.get('metric')).toBe('prMergeTimeHours');
      await page.getByTestId('metric-explanation').waitFor({ timeout: 5_000 });
    },
    TEST_MS,
  );

  it(
    'runs a sync from the integration page, showing its progress and then the new last sync',
    async () => {
      const simulator = await createSimulator({ dataset: 'fixed', latency: 20 });
      try {
        const { teamA } = dashboard.server.ids;
        const integration = await dashboard.server.server.deps.integrations.createIntegration(teamA, {
          kind: 'github',
          name: 'Simulated repo',
          config: { owner: 'acme', repo: 'web', baseUrl: simulator.url },
          credentials: { token: DEFAULT_GITHUB_TOKEN },
        });
        const page = await openPage();
        await logIn(page, 'alice');
        await page.goto(`/integrations/${integration.id}`);
        await page.getByRole('button', { name: 'Sync now' }).click();
        await page.getByRole('button', { name: 'Syncing…' }).waitFor({ timeout: 5_000 });
        await page.getByRole('status').filter({ hasText: 'done' }).waitFor({ timeout: 20_000 });
        // The finished sync invalidated last_sync_{id}; the page shows the new state.
        await page.locator('.status.succeeded').first().waitFor({ timeout: 10_000 });
        expect(simulator.counts().total).toBeGreaterThan(0);
        expect(simulator.counts().byStatus['401'] ?? 0).toBe(0);
      } finally {
        await simulator.close();
      }
    },
    TEST_MS,
  );

  it('checked browser storage for credentials after every test', () => {
    // Six tests above leave a page on the dashboard's origin; each was checked in afterEach.
    expect(storageChecks).toBeGreaterThanOrEqual(6);
  });
});

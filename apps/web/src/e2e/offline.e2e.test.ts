/**
 * The header's live badge in real Chromium: "live" while the event stream is connected,
 * "offline" while the server cannot be reached, "live" again once it can, with the page's data
 * revalidated on the way back.
 */
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, logIn, newContext, startDashboard } from './harness.ts';

let dashboard: Dashboard;
let context: BrowserContext | undefined;

beforeAll(async () => {
  dashboard = await startDashboard();
}, 180_000);
afterAll(async () => {
  await context?.close();
  await dashboard?.close();
});

describe('the live badge', () => {
  it('says offline while the server is unreachable and live once it is back', async () => {
    context = await newContext(dashboard);
    const page = await context.newPage();
    await logIn(page, 'alice');
    const badge = page.locator('.topbar-right .live-text');
    await badge.getByText('live', { exact: true }).waitFor({ timeout: 15_000 });

    // The server becomes unreachable: every request to it fails as a refused connection would,
    // and the open event stream is cut.
    const refused: string[] = [];
    await page.route('**/api/**', (route) => {
      refused.push(new URL(route.request().url()).pathname);
      return route.abort('connectionrefused');
    });
    dashboard.server.server.app.server.closeAllConnections();
    await badge.getByText('offline', { exact: true }).waitFor({ timeout: 15_000 });
    // The browser keeps trying to reconnect; each attempt is refused.
    await expect
      .poll(() => refused.filter((path) => path === '/api/events').length, { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(await badge.textContent()).toBe('offline');

    // Back: the next reconnect attempt gets through.
    await page.unroute('**/api/**');
    await badge.getByText('live', { exact: true }).waitFor({ timeout: 15_000 });
  }, 60_000);
});

/**
 * Preloading and the live tail in real Chromium: after login the dashboard fetches the teams
 * list and the first teams' metrics (one request) before any team page opens; hovering a team link fetches
 * that page's data; the admin monitor page shows a server cache operation live, and pauses.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, logIn, newContext, startDashboard } from './harness.ts';

let dashboard: Dashboard;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  dashboard = await startDashboard();
}, 180_000);
afterAll(async () => {
  for (const context of contexts) await context.close();
  await dashboard?.close();
});

async function adminPage(): Promise<{ page: Page; requests: string[] }> {
  const context = await newContext(dashboard);
  contexts.push(context);
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(new URL(request.url()).pathname));
  await logIn(page, 'admin');
  return { page, requests };
}

describe('cache operations in the dashboard', () => {
  it('preloads the teams and their metrics after login in one request, and a page’s data on hover', async () => {
    const { page, requests } = await adminPage();
    const { teamB } = dashboard.server.ids;
    await expect.poll(() => requests, { timeout: 15_000 }).toContain('/api/teams/metrics');
    expect(requests.filter((path) => /^\/api\/teams\/\d+\/metrics$/.test(path))).toEqual([]);
    expect(requests).not.toContain(`/api/teams/${teamB}/integrations`);
    await page.goto('/teams');
    await page.locator(`a[href="/teams/${teamB}"]`).hover();
    await expect.poll(() => requests, { timeout: 15_000 }).toContain(`/api/teams/${teamB}/integrations`);
    // The team's metrics came with the overview: the hover found them held.
    expect(requests).not.toContain(`/api/teams/${teamB}/metrics`);
    await page.close();
  }, 60_000);

  it('shows a server cache operation in the live tail, and stops adding rows while paused', async () => {
    const { page } = await adminPage();
    await page.goto('/admin/monitor');
    const state = page.getByTestId('tail-state');
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toBe('live');
    const key = `team_${dashboard.server.ids.teamA}`;
    const read = () =>
      page.evaluate(
        async (url) => (await fetch(url, { headers: { 'Cache-Control': 'no-cache' } })).status,
        `/api/teams/${dashboard.server.ids.teamA}`,
      );
    expect(await read()).toBe(200);
    const rows = page.getByTestId('live-tail').locator('tbody tr', { hasText: key });
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => state.textContent()).toBe('paused');
    const paused = await page.getByTestId('live-tail').locator('tbody tr').count();
    expect(await read()).toBe(200);
    // The stream still runs: after resuming, the next operation shows.
    await page.getByRole('button', { name: 'Resume' }).click();
    expect(await page.getByTestId('live-tail').locator('tbody tr').count()).toBe(paused);
    expect(await read()).toBe(200);
    await expect
      .poll(() => page.getByTestId('live-tail').locator('tbody tr').count(), { timeout: 10_000 })
      .toBeGreaterThan(paused);
    await page.close();
  }, 60_000);
});

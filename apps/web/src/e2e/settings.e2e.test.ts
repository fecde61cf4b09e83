/**
 * Running AgileTrack from the dashboard, in Chromium, as a new admin would: users, a team and its
 * members, a GitHub integration connected with Test connection against the simulator, synced,
 * its token rotated, deleted after confirming; a password change; an API token created and
 * revoked; each change in the audit log. Members see only what they may change. At 390×844 no
 * page scrolls sideways and the header's controls stay visible; text meets 4.5:1 contrast.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSimulator, DEFAULT_GITHUB_TOKEN, type Simulator } from '@agiletrack/api-simulator';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WEB_ROOT } from '../node/build.ts';
import { type Dashboard, dumpBrowserStorage, LOGINS, logIn, SECRETS, startDashboard } from './harness.ts';

const TEST_MS = 90_000;
const PHONE = { width: 390, height: 844 };

let dashboard: Dashboard;
let simulator: Simulator;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [dashboard, simulator] = await Promise.all([startDashboard(), createSimulator({ dataset: 'fixed' })]);
}, 180_000);

afterAll(async () => {
  await simulator?.close();
  await dashboard?.close();
});

afterEach(async () => {
  for (const context of contexts.splice(0)) {
    for (const page of context.pages()) {
      if (page.isClosed() || !page.url().startsWith(dashboard.baseUrl)) continue;
      const { text } = await dumpBrowserStorage(page);
      for (const secret of [...SECRETS, DEFAULT_GITHUB_TOKEN]) expect(text).not.toContain(secret);
    }
    await context.close();
  }
});

async function openPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await dashboard.browser.newContext({ baseURL: dashboard.baseUrl, viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return page;
}

/** Logs in with any e-mail and password through the form. */
async function logInAs(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Teams' }).waitFor({ timeout: 15_000 });
}

const success = (page: Page, text: string | RegExp) =>
  page.locator('.message.success').filter({ hasText: text }).first().waitFor({ timeout: 20_000 });

/** A bearer request straight to the API (as a script would use a token). */
const withToken = (secret: string) =>
  fetch(`${dashboard.baseUrl}/api/me`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);

const unique = Date.now().toString(36);
const newUser = { email: `nina-${unique}@test.local`, name: 'Nina New', password: '' };
const teamName = `Platform ${unique}`;

describe('managing AgileTrack from the dashboard', () => {
  it(
    'as a new admin: creates a user and a team, adds the member, connects, syncs, rotates and deletes a GitHub integration',
    async () => {
      const page = await openPage();
      await logIn(page, 'admin');

      // A user, with a generated password shown once.
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      expect(await page.title()).toBe('Settings · Users — AgileTrack');
      await page.getByLabel('E-mail', { exact: true }).fill(newUser.email);
      await page.getByLabel('Name', { exact: true }).fill(newUser.name);
      await page.getByRole('button', { name: 'Add user' }).click();
      await success(page, 'can now log in');
      newUser.password = (await page.getByTestId('generated-password').textContent()) ?? '';
      expect(newUser.password).toMatch(/^\S{12,}$/);
      await page.getByTestId('users').getByText(newUser.email).waitFor();

      // A team, and the user as its member (by e-mail).
      await page.getByRole('link', { name: 'Teams', exact: true }).last().click();
      expect(await page.title()).toBe('Settings · Teams — AgileTrack');
      await page.getByLabel('Name', { exact: true }).first().fill(teamName);
      await page.getByRole('button', { name: 'Create team' }).click();
      await success(page, 'created');
      await page.getByLabel('Team', { exact: true }).selectOption({ label: teamName });
      await page.getByLabel(/Add a member to .* by e-mail/).fill(newUser.email);
      await page.getByRole('button', { name: 'Add member' }).click();
      await success(page, 'added to');
      await page.getByTestId('members').getByText(newUser.email).waitFor();

      // A GitHub integration against the simulator: Test connection, then Connect.
      await page.getByRole('link', { name: 'Integrations', exact: true }).click();
      expect(await page.title()).toBe('Settings · Integrations — AgileTrack');
      await page.getByLabel('Team', { exact: true }).selectOption({ label: teamName });
      await page.getByLabel('Owner').fill('acme corp');
      await page.getByLabel('Repository', { exact: true }).fill('web');
      await page.getByLabel('Access token').fill('ghp_wrong_token');
      await page.getByLabel('API address (optional)').fill(simulator.url);
      await page.getByRole('button', { name: 'Test connection' }).click();
      // The server's objection shows at the field it names, which is marked invalid and described by it.
      const owner = page.getByLabel('Owner');
      await page.locator('.field-error').filter({ hasText: 'must be a GitHub user or organisation name' }).waitFor();
      expect(await owner.getAttribute('aria-invalid')).toBe('true');
      expect(await owner.getAttribute('aria-describedby')).toContain(
        await page.locator('.field-error').getAttribute('id'),
      );
      await owner.fill('acme');
      await page.getByRole('button', { name: 'Test connection' }).click();
      await page.locator('.message.error').filter({ hasText: 'refused the credentials' }).waitFor({ timeout: 20_000 });
      await page.getByLabel('Access token').fill(DEFAULT_GITHUB_TOKEN);
      await page.getByRole('button', { name: 'Test connection' }).click();
      await success(page, 'Connected to');
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await success(page, 'connected');
      const editor = page.getByTestId('integration-editor').filter({ hasText: 'acme/web' });
      await editor.waitFor({ timeout: 15_000 });

      // Sync it.
      await editor.getByRole('button', { name: 'Sync now' }).click();
      await editor.getByRole('status').filter({ hasText: 'done' }).waitFor({ timeout: 30_000 });

      // Rotate its token (tested first), then delete it after confirming.
      await editor.getByLabel('New access token').fill(DEFAULT_GITHUB_TOKEN);
      await editor.getByRole('button', { name: 'Test new token' }).click();
      await editor.locator('.message.success').filter({ hasText: 'Connected to' }).waitFor({ timeout: 20_000 });
      await editor.getByRole('button', { name: 'Rotate token' }).click();
      await editor.locator('.message.success').filter({ hasText: 'Token replaced' }).waitFor({ timeout: 20_000 });
      await editor.getByRole('button', { name: 'Delete', exact: true }).click();
      await editor.getByRole('alertdialog').waitFor();
      await editor.getByRole('button', { name: 'Delete integration' }).click();
      await page
        .getByTestId('integration-editor')
        .filter({ hasText: 'acme/web' })
        .waitFor({ state: 'detached', timeout: 20_000 });
      expect(simulator.counts().total).toBeGreaterThan(0);
    },
    TEST_MS,
  );

  it(
    'as the new member: sees no Users, Audit or cache pages, and changes the password',
    async () => {
      const page = await openPage();
      await logInAs(page, newUser.email, newUser.password);
      await page.getByRole('link', { name: teamName }).waitFor({ timeout: 15_000 });
      const nav = page.locator('#primary-nav');
      expect(await nav.getByRole('link').allTextContents()).toEqual(['Teams', 'Settings']);
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      expect(await page.locator('.section-nav').getByRole('link').allTextContents()).toEqual([
        'Teams',
        'Integrations',
        'My account',
      ]);
      for (const path of ['/settings/users', '/admin/audit', '/admin/cache', '/admin/monitor']) {
        await page.goto(path);
        await page.getByRole('heading', { name: 'Admins only' }).waitFor();
      }

      await page.goto('/settings/account');
      expect(await page.title()).toBe('Settings · My account — AgileTrack');
      await page.getByLabel('Current password').fill(newUser.password);
      await page.getByLabel('New password').fill('nina-new-password-2');
      await page.getByRole('button', { name: 'Change password' }).click();
      await success(page, 'Password changed');
      newUser.password = 'nina-new-password-2';
      await page.getByRole('button', { name: 'Log out' }).click();
      await logInAs(page, newUser.email, newUser.password);
    },
    TEST_MS,
  );

  it(
    'creates an API token shown once and revokes it: its next use is 401',
    async () => {
      const page = await openPage();
      await logIn(page, 'admin');
      await page.goto('/settings/account');
      await page.getByLabel('Name', { exact: true }).fill('deploy script');
      await page.getByRole('button', { name: 'Create token' }).click();
      await success(page, 'created');
      const secret = (await page.getByTestId('token-secret').textContent()) ?? '';
      expect(await withToken(secret)).toBe(200);
      const row = page.getByTestId('tokens').getByRole('row').filter({ hasText: 'deploy script' });
      // From the keyboard: Enter asks with focus on Cancel, Escape backs out to the button, and
      // the token still works.
      const revoke = row.getByRole('button', { name: 'Revoke', exact: true });
      await revoke.focus();
      await page.keyboard.press('Enter');
      const focused = () => page.evaluate(() => document.activeElement?.textContent);
      await expect.poll(focused).toBe('Cancel');
      await page.keyboard.press('Escape');
      await expect.poll(focused).toBe('Revoke');
      expect(await withToken(secret)).toBe(200);
      await revoke.click();
      await row.getByRole('button', { name: 'Revoke token' }).click();
      await success(page, 'revoked');
      expect(await withToken(secret)).toBe(401);
      expect(await page.getByTestId('token-secret').count()).toBe(0);
    },
    TEST_MS,
  );

  it(
    'shows every change in the audit log',
    async () => {
      const page = await openPage();
      await logIn(page, 'admin');
      await page.getByRole('link', { name: 'Admin', exact: true }).click();
      expect(await page.title()).toBe('Admin · Audit log — AgileTrack');
      const table = page.getByTestId('audit');
      await table.waitFor({ timeout: 15_000 });
      const text = await table.textContent();
      for (const action of [
        'user.create',
        'team.create',
        'team.member.add',
        'integration.create',
        'integration.rotate',
        'integration.delete',
        'user.password',
        'token.create',
        'token.revoke',
      ]) {
        expect(text, action).toContain(action);
      }
      expect(text).toContain(LOGINS.admin.email);
      expect(text).toContain(newUser.email);
      expect(text).not.toContain(DEFAULT_GITHUB_TOKEN);
      await page.getByLabel('What').selectOption('integration');
      await expect.poll(async () => (await table.textContent())?.includes('team.create')).toBe(false);
    },
    TEST_MS,
  );

  it(
    'at 390×844 no page scrolls sideways, the header controls stay visible and the menu opens',
    async () => {
      const page = await openPage(PHONE);
      await logIn(page, 'admin');
      const { teamA, integrationA } = dashboard.server.ids;
      const pages = [
        '/teams',
        `/teams/${teamA}`,
        `/integrations/${integrationA}`,
        '/settings/teams',
        '/settings/integrations',
        '/settings/account',
        '/settings/users',
        '/admin/audit',
        '/admin/cache',
        '/admin/monitor',
      ];
      for (const path of pages) {
        await page.goto(path);
        await page.locator('main h1').first().waitFor({ timeout: 15_000 });
        await page.waitForLoadState('networkidle').catch(() => {});
        const widths = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          inner: window.innerWidth,
          // What sticks out, to name it in the failure.
          wide: [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5)
            .map(
              (el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)}px)`,
            ),
        }));
        expect(widths.scroll, `${path} is ${widths.scroll}px wide: ${widths.wide.join(', ')}`).toBeLessThanOrEqual(
          widths.inner,
        );
        for (const name of ['Menu', 'Refresh', 'Log out']) {
          const box = await page.getByRole('button', { name, exact: true }).boundingBox();
          expect(box, `${name} on ${path}`).not.toBeNull();
          expect(box!.x >= 0 && box!.x + box!.width <= PHONE.width && box!.y >= 0, `${name} on ${path}`).toBe(true);
        }
      }
      const menu = page.getByRole('button', { name: 'Menu' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await page.locator('#primary-nav').isVisible()).toBe(false);
      await menu.click();
      await page.locator('#primary-nav').getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
      expect(await page.locator('#primary-nav').isVisible()).toBe(false);
    },
    TEST_MS,
  );

  it(
    'is usable from the keyboard: a skip link first, labelled fields, readable contrast',
    async () => {
      const page = await openPage();
      await logIn(page, 'admin');
      for (const path of ['/settings/users', '/settings/integrations', '/settings/account', '/admin/audit', '/teams']) {
        await page.goto(path);
        await page.locator('main h1').first().waitFor({ timeout: 15_000 });
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
        // Every form control has a name a screen reader can announce.
        const unlabelled = await page.evaluate(() =>
          [...document.querySelectorAll('main input, main select, main textarea')]
            .filter((el) => (el as HTMLInputElement).type !== 'hidden')
            .filter((el) => {
              const labels = (el as HTMLInputElement).labels;
              return (
                !(labels && labels.length > 0) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')
              );
            })
            .map((el) => el.outerHTML.slice(0, 80)),
        );
        expect(unlabelled, path).toEqual([]);
        // Text contrast against the nearest opaque background: at least 4.5:1.
        const low = await page.evaluate(() => {
          const parse = (value: string) => value.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
          const luminance = ([r, g, b]: number[]) => {
            const channel = (c: number) => {
              const s = c / 255;
              return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
            };
            return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
          };
          const background = (el: Element | null): number[] => {
            for (let node = el; node; node = node.parentElement) {
              const [r, g, b, a = 1] = parse(getComputedStyle(node).backgroundColor);
              if (a > 0.5) return [r!, g!, b!];
            }
            return [255, 255, 255];
          };
          const found: string[] = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const el = node.parentElement;
            if (!el || !node.textContent?.trim()) continue;
            const style = getComputedStyle(el);
            const rect = el.getBoundingClientRect();
            if (style.visibility === 'hidden' || rect.width === 0 || rect.height === 0) continue;
            if (el.closest('button:disabled, .visually-hidden, .skip-link, .uplot')) continue;
            const fg = luminance(parse(style.color));
            const bg = luminance(background(el));
            const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
            if (ratio < 4.5) found.push(`${node.textContent.trim().slice(0, 30)} (${ratio.toFixed(2)})`);
          }
          return found;
        });
        expect(low, path).toEqual([]);
      }
    },
    TEST_MS,
  );

  it(
    'takes desktop and phone screenshots of the new pages',
    async () => {
      const update = process.env.UPDATE_SCREENSHOTS === '1';
      const folder = update ? resolve(WEB_ROOT, '../../docs/screenshots') : join(tmpdir(), 'agiletrack-screenshots');
      mkdirSync(folder, { recursive: true });
      const shots = [
        ['settings-users', '/settings/users'],
        ['settings-teams', '/settings/teams'],
        ['settings-integrations', '/settings/integrations'],
        ['settings-account', '/settings/account'],
        ['admin-audit', '/admin/audit'],
      ] as const;
      for (const [viewport, suffix] of [
        [{ width: 1280, height: 800 }, ''],
        [PHONE, '-phone'],
      ] as const) {
        const page = await openPage(viewport);
        await logIn(page, 'admin');
        for (const [name, path] of shots) {
          await page.goto(path);
          await page.locator('main h1').first().waitFor({ timeout: 15_000 });
          await page.waitForLoadState('networkidle').catch(() => {});
          await page.evaluate(() => document.fonts.ready);
          const png = await page.screenshot({ type: 'png' });
          expect([png.readUInt32BE(16), png.readUInt32BE(20)], name).toEqual([viewport.width, viewport.height]);
          writeFileSync(join(folder, `${name}${suffix}.png`), png);
        }
      }
    },
    TEST_MS,
  );
});

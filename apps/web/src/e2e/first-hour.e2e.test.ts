/**
 * A newcomer's first hour with the settings, in Chromium: a team just created is the one the
 * page goes on with (its members land in it, the Integrations page opens on it); a form's
 * problems read as plain words under the field they are about, and go once that field is edited;
 * a password of spaces is refused; an admin's one-time reset link lets a user who forgot their
 * password set a new one, once.
 */
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teams, users } from '../../../server/src/db/schema.ts';
import { type Dashboard, LOGINS, logIn, startDashboard } from './harness.ts';

const TEST_MS = 120_000;

let dashboard: Dashboard;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  dashboard = await startDashboard();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await dashboard?.close();
});

async function openPage(): Promise<Page> {
  const context = await dashboard.browser.newContext({
    baseURL: dashboard.baseUrl,
    viewport: { width: 1280, height: 800 },
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return page;
}

const success = (page: Page, text: string | RegExp) =>
  page.locator('.message.success').filter({ hasText: text }).first().waitFor({ timeout: 20_000 });

/** The error shown under the field labelled `label` (its `aria-describedby`), or null. */
async function fieldError(page: Page, label: string): Promise<string | null> {
  const control = page.getByLabel(label, { exact: true });
  if ((await control.getAttribute('aria-invalid')) !== 'true') return null;
  const ids = (await control.getAttribute('aria-describedby'))?.split(' ') ?? [];
  const errorId = ids.find((id) => id.endsWith('-error'));
  return errorId ? page.locator(`[id="${errorId}"]`).textContent() : null;
}

describe('the first hour in the settings', () => {
  it(
    'goes on with the team just created, in Teams and in Integrations',
    async () => {
      const page = await openPage();
      await logIn(page, 'admin');
      await page.goto('/settings/teams');
      const name = `Newcomers ${Date.now().toString(36)}`;
      await page.getByLabel('Name', { exact: true }).first().fill(name);
      await page.getByRole('button', { name: 'Create team' }).click();
      await success(page, `Team “${name}” created`);
      // The panel below is the new team's, without choosing it.
      await page.getByTestId('team-editor').getByRole('heading', { name }).waitFor({ timeout: 15_000 });
      await page.getByLabel(`Add a member to ${name} by e-mail`).fill(LOGINS.bob.email);
      await page.getByRole('button', { name: 'Add member' }).click();
      await success(page, `${LOGINS.bob.email} added to ${name}`);
      const { db } = dashboard.server.server.deps;
      const [row] = await db.select({ id: teams.id }).from(teams).where(eq(teams.name, name));
      const team = await dashboard.server.server.deps.teams.getTeam(row!.id);
      expect(team.memberIds).toEqual([dashboard.server.ids.bob]);
      expect(new URL(page.url()).searchParams.get('team')).toBe(String(team.id));

      await page.getByRole('link', { name: 'Integrations', exact: true }).click();
      await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
      expect(await page.getByLabel('Team', { exact: true }).inputValue()).toBe(String(team.id));
    },
    TEST_MS,
  );

  it(
    'says what is wrong in words, under the right field, gone once edited; refuses a password of spaces',
    async () => {
      const page = await openPage();
      await logIn(page, 'admin');
      await page.goto('/settings/users');
      const email = page.getByLabel('E-mail', { exact: true });
      await email.fill(`${'a'.repeat(250)}@test.local`);
      await page.getByLabel('Name', { exact: true }).fill('Long Address');
      await page.getByRole('button', { name: 'Add user' }).click();
      await page.locator('.field-error').first().waitFor();
      expect(await fieldError(page, 'E-mail')).toBe('Must be at most 254 characters');
      expect(await fieldError(page, 'Name')).toBeNull();
      expect(await page.locator('.message.error').count()).toBe(0);
      expect(await page.locator('.field-error').allTextContents()).toEqual(['Must be at most 254 characters']);
      // Editing the field takes back what was said about it.
      await email.fill('spaces@test.local');
      expect(await fieldError(page, 'E-mail')).toBeNull();

      await page.getByLabel('Password (optional)').fill(' '.repeat(12));
      await page.getByRole('button', { name: 'Add user' }).click();
      await page.locator('.field-error').first().waitFor();
      expect(await fieldError(page, 'Password (optional)')).toBe(
        'Must be at least 10 characters, not counting spaces at either end',
      );
      const { db } = dashboard.server.server.deps;
      expect(await db.select().from(users).where(eq(users.email, 'spaces@test.local'))).toEqual([]);
    },
    TEST_MS,
  );

  it(
    "lets a user set a new password through an admin's one-time reset link",
    async () => {
      const admin = await openPage();
      await logIn(admin, 'admin');
      await admin.goto('/settings/users');
      await admin.getByRole('button', { name: 'Password reset link for Alice' }).click();
      await success(admin, 'Reset link for Alice made');
      const link = (await admin.getByTestId('reset-link').textContent()) ?? '';
      expect(link).toMatch(/\/reset-password#[A-Za-z0-9_-]{43}$/);

      const alice = await openPage();
      await alice.goto(link);
      await alice.getByRole('heading', { name: 'Set a new password' }).waitFor();
      await alice.getByLabel('New password').fill('alice-reset-password-9');
      await alice.getByLabel('The same password again').fill('alice-reset-password-9');
      await alice.getByRole('button', { name: 'Set password' }).click();
      await success(alice, 'Your password is set');
      expect(new URL(alice.url()).hash).toBe('');
      await alice.getByRole('button', { name: 'Go to the login' }).click();
      await alice.getByLabel('Email').fill(LOGINS.alice.email);
      await alice.getByLabel('Password').fill('alice-reset-password-9');
      await alice.getByRole('button', { name: 'Log in' }).click();
      await alice.getByRole('heading', { name: 'Teams' }).waitFor({ timeout: 15_000 });

      // The link worked once.
      const again = await openPage();
      await again.goto(link);
      await again.getByLabel('New password').fill('someone-else-password');
      await again.getByLabel('The same password again').fill('someone-else-password');
      await again.getByRole('button', { name: 'Set password' }).click();
      await again.locator('.message.error').filter({ hasText: 'cannot be used' }).waitFor({ timeout: 15_000 });
    },
    TEST_MS,
  );
});

/**
 * Login throttling through the API: guesses on an account from one address end in 429
 * `E_TOO_MANY_ATTEMPTS` with `Retry-After` well before ten, the right password works again once
 * the window has passed (fake clock), a client address has its own budget, a flood from many
 * addresses slows itself down without keeping the owner out, and with Redis every instance
 * counts the same attempts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../testing/api-helpers.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';

const login = (t: TestServer, email: string, password: string, remoteAddress = '203.0.113.7') =>
  t.server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress });

describe('login throttling (embedded, fake clock)', () => {
  let t: TestServer;
  let clock = Date.now();

  beforeAll(async () => {
    t = await startTestServer('embedded', { now: () => clock, env: { LOGIN_MAX_FAILURES_PER_ADDRESS: '12' } });
  }, 120_000);
  afterAll(() => t?.close());

  it('answers 429 with Retry-After before the 10th of 20 wrong passwords, then lets the right one in after the window', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 20; i++) {
      const response = await login(t, 'alice@test.local', `wrong-${i}`);
      statuses.push(response.statusCode);
      if (response.statusCode === 429) {
        expectError(response, 429, 'E_TOO_MANY_ATTEMPTS');
        retryAfter = response.headers['retry-after'] as string;
      }
    }
    expect(statuses.indexOf(429)).toBeGreaterThan(0);
    expect(statuses.indexOf(429)).toBeLessThan(9);
    expect(statuses.slice(statuses.indexOf(429)).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(15 * 60);

    // Still locked: even the right password waits for the window.
    expect((await login(t, 'alice@test.local', 'alice-password-1')).statusCode).toBe(429);
    clock += 15 * 60_000 + 1;
    expect((await login(t, 'alice@test.local', 'alice-password-1')).statusCode).toBe(200);
  });

  it('keeps other accounts open while one is locked, and gives a success its attempt back', async () => {
    for (let i = 0; i < 8; i++) await login(t, 'bob@test.local', 'wrong', '198.51.100.9');
    expect((await login(t, 'bob@test.local', 'bob-password-1', '198.51.100.9')).statusCode).toBe(429);
    expect((await login(t, 'admin@test.local', 'admin-password-1', '198.51.100.9')).statusCode).toBe(200);
    // A success clears its account's count: four more wrong guesses are still 401s.
    clock += 15 * 60_000 + 1;
    for (let i = 0; i < 4; i++) expect((await login(t, 'admin@test.local', 'nope')).statusCode).toBe(401);
    expect((await login(t, 'admin@test.local', 'admin-password-1')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login(t, 'admin@test.local', 'nope')).statusCode).toBe(401);
  });

  it('budgets a client address across accounts', async () => {
    clock += 15 * 60_000 + 1;
    const statuses: number[] = [];
    // Guesses spread over many (unknown) accounts from one address: the per-address budget (12 here) ends them.
    for (let i = 0; i < 16; i++) statuses.push((await login(t, `user${i}@test.local`, 'x', '192.0.2.44')).statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(12);
    expect(statuses.slice(12).every((s) => s === 429)).toBe(true);
    // Another address is unaffected.
    expect((await login(t, 'bob@test.local', 'bob-password-1', '192.0.2.45')).statusCode).toBe(200);
  });
});

describe('login throttling: a flood from many addresses (embedded, fake clock)', () => {
  let t: TestServer;
  let clock = Date.now();

  beforeAll(async () => {
    t = await startTestServer('embedded', { now: () => clock });
  }, 120_000);
  afterAll(() => t?.close());

  const attacker = (i: number) => `198.18.${Math.floor(i / 200)}.${i % 200}`;

  it('never keeps the owner out, and spaces out each address once the account has seen its free attempts', async () => {
    // The owner logged in from home before.
    expect((await login(t, 'admin@test.local', 'admin-password-1', '203.0.113.50')).statusCode).toBe(200);
    // 60 addresses, 6 wrong passwords each (the old per-account lock needed six in all).
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      for (let k = 0; k < 6; k++)
        statuses.push((await login(t, 'admin@test.local', `guess-${k}`, attacker(i))).statusCode);
    }
    // Past the 20 free attempts, each address gets one attempt per delay: most guesses are refused unhashed.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20 + 60);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(360 - 80);
    // The owner: at home at once, and from a new address on the first attempt.
    expect((await login(t, 'admin@test.local', 'admin-password-1', '203.0.113.50')).statusCode).toBe(200);
    expect((await login(t, 'admin@test.local', 'admin-password-1', '203.0.113.51')).statusCode).toBe(200);
    // Another address gets one guess, then is told how long to wait; after that it may try again.
    expect((await login(t, 'admin@test.local', 'guess-one', attacker(60))).statusCode).toBe(401);
    const refused = await login(t, 'admin@test.local', 'guess-again', attacker(60));
    expectError(refused, 429, 'E_TOO_MANY_ATTEMPTS');
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(5 * 60);
    clock += wait * 1_000;
    expect((await login(t, 'admin@test.local', 'guess-again', attacker(60))).statusCode).toBe(401);
  });
});

describe('login throttling (Redis, two instances)', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    a = await startTestServer('redis');
    b = await startTestServer('redis', { join: a });
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('shares the counter: attempts on one instance count on the other', async () => {
    for (let i = 0; i < 3; i++) expect((await login(a, 'alice@test.local', 'wrong')).statusCode).toBe(401);
    for (let i = 0; i < 2; i++) expect((await login(b, 'alice@test.local', 'wrong')).statusCode).toBe(401);
    const sixth = await login(b, 'alice@test.local', 'alice-password-1');
    expectError(sixth, 429, 'E_TOO_MANY_ATTEMPTS');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(a, 'alice@test.local', 'alice-password-1')).statusCode).toBe(429);
  });
});

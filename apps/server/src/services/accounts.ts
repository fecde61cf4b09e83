/**
 * Users, sessions and API tokens. Authentication results are cached (namespace `auth`) so an
 * authenticated cached read makes no database query; membership changes invalidate them by tag.
 * A cached principal is fresh for a minute and then kept as a grace copy: while the database
 * cannot answer (an outage), requests are authenticated from it, so cached reads keep working.
 * Revocation never waits for either: a logout, a revoked token, a deactivation, a role, password
 * or membership change removes the copy on every instance through the bus, and no copy outlives
 * its session's or token's expiry.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Cache, FactoryContext } from '@agiletrack/cache';
import { and, eq, gt } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { apiTokens, sessions, teamMembers, users } from '../db/schema.ts';
import { AppError, unauthenticated } from '../errors.ts';
import type { LoginThrottle } from '../security/login-throttle.ts';
import { hashPassword, PasswordWorkBusyError, verifyPassword } from '../security/passwords.ts';

/** Who is calling, with what they may see. */
export interface Principal {
  readonly userId: number;
  readonly email: string;
  readonly name: string;
  readonly role: 'admin' | 'member';
  readonly teamIds: readonly number[];
}

/** The tag carried by every cached principal of a user. */
export const userTag = (userId: number) => `user:${userId}`;

/** How a session or API token is stored: its SHA-256, never the token itself. */
export const digest = (token: string) => createHash('sha256').update(token).digest('base64url');
/** A new random session or API token (43 base64url characters). */
export const newToken = () => randomBytes(32).toString('base64url');
// Only 43-character base64url tokens can be ours: anything else is refused before a lookup.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const PRINCIPAL_TTL_MS = 60_000;
/** How long past its minute a principal is still served when the database cannot be asked. */
const PRINCIPAL_GRACE_MS = 3_600_000;
/** How long a lookup with a grace copy waits for the database before answering from the copy. */
const PRINCIPAL_WAIT_MS = 1_000;
const LOOKUP = { grace: 0, softTimeout: PRINCIPAL_WAIT_MS };

/** Fresh for a minute, then a grace copy; neither past `remainingMs` (the session's or token's life). */
function keepFor(ctx: FactoryContext<unknown>, remainingMs: number): void {
  ctx.options.ttl = Math.max(1, Math.min(PRINCIPAL_TTL_MS, remainingMs));
  ctx.options.grace = Math.max(0, Math.min(PRINCIPAL_GRACE_MS, remainingMs - ctx.options.ttl));
}

// A client sends the same token with every request: its digest is remembered (in this process
// only) so an authenticated cached read hashes nothing. Bounded: emptied when full.
const recentDigests = new Map<string, string>();
const RECENT_DIGESTS_MAX = 1_024;
function requestDigest(token: string): string {
  let id = recentDigests.get(token);
  if (id === undefined) {
    if (recentDigests.size >= RECENT_DIGESTS_MAX) recentDigests.clear();
    id = digest(token);
    recentDigests.set(token, id);
  }
  return id;
}

/** See the file comment. */
export class Accounts {
  constructor(
    readonly db: AppDb,
    readonly cache: Cache,
    readonly sessionTtlMs: number,
    readonly now: () => number = Date.now,
    /** Login budgets per account and address; without one, logins are not throttled (tools). */
    readonly throttle?: LoginThrottle,
  ) {}

  /** Creates a user (CLI, demo seed, tests). */
  async createUser(input: {
    email: string;
    name: string;
    password: string;
    role: 'admin' | 'member';
  }): Promise<number> {
    const [row] = await this.db
      .insert(users)
      .values({
        email: input.email.toLowerCase(),
        name: input.name,
        role: input.role,
        passwordHash: await hashPassword(input.password),
      })
      .returning({ id: users.id });
    return row!.id;
  }

  /**
   * Checks a password and opens a session; returns the session token (for the cookie). Throttled
   * per account and per client `address`: over budget → 429 `E_TOO_MANY_ATTEMPTS` with a wait.
   */
  async login(email: string, password: string, address = 'unknown'): Promise<{ token: string; principal: Principal }> {
    const admission = await this.throttle?.begin(email, address);
    if (admission && !admission.allowed) {
      throw new AppError('E_TOO_MANY_ATTEMPTS', 'too many login attempts: wait before trying again', {
        retryAfterMs: admission.retryAfterMs,
      });
    }
    // Uncached on purpose: the password hash never enters a cache tier.
    const [user] = await this.db
      .select({ id: users.id, passwordHash: users.passwordHash, deactivatedAt: users.deactivatedAt })
      .from(users)
      .where(eq(users.email, email.toLowerCase()));
    let ok: boolean;
    try {
      // Verify even for an unknown email so response time does not reveal which emails exist.
      ok = await verifyPassword(password, user?.passwordHash ?? 'scrypt$16384$8$1$AAAA$AAAA');
    } catch (error) {
      if (!(error instanceof PasswordWorkBusyError)) throw error;
      throw new AppError('E_UNAVAILABLE', 'too many logins in progress: try again in a second', {
        cause: error,
        retryAfterMs: 1_000,
      });
    }
    if (!user || !ok) throw new AppError('E_UNAUTHENTICATED', 'wrong email or password');
    if (user.deactivatedAt) throw new AppError('E_UNAUTHENTICATED', 'this account is deactivated');
    await admission?.succeeded();
    const token = newToken();
    await this.db
      .insert(sessions)
      .values({ id: digest(token), userId: user.id, expiresAt: new Date(this.now() + this.sessionTtlMs) });
    const principal = await this.#principal(user.id);
    return { token, principal: principal! };
  }

  /** Ends a session; its cached principal goes with it on every instance. */
  async logout(token: string): Promise<void> {
    if (!TOKEN_SHAPE.test(token)) return;
    const id = digest(token);
    await this.db.delete(sessions).where(eq(sessions.id, id));
    await this.cache.delete(`session_${id}`);
  }

  /** Creates an API token for scripts; the token is shown once and stored hashed. */
  async createApiToken(userId: number, name: string): Promise<string> {
    const token = newToken();
    await this.db.insert(apiTokens).values({ userId, name, tokenHash: digest(token) });
    return token;
  }

  /** The principal of a session cookie, or undefined. Cached for a minute, then a grace copy (see the file comment). */
  async fromSession(token: string): Promise<Principal | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const id = requestDigest(token);
    return this.cache.getOrSet<Principal | undefined>(
      `session_${id}`,
      async (ctx) => {
        const [session] = await this.db
          .select()
          .from(sessions)
          .where(and(eq(sessions.id, id), gt(sessions.expiresAt, new Date(this.now()))));
        const principal = session && (await this.#principal(session.userId));
        if (!session || !principal) {
          ctx.skipCache();
          return undefined;
        }
        keepFor(ctx, session.expiresAt.getTime() - this.now());
        ctx.options.tags = [userTag(principal.userId)];
        return principal;
      },
      LOOKUP,
    );
  }

  /** The principal of an API token, or undefined. */
  async fromApiToken(token: string): Promise<Principal | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const hash = requestDigest(token);
    return this.cache.getOrSet<Principal | undefined>(
      `token_${hash}`,
      async (ctx) => {
        const [row] = await this.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hash));
        const expired = row?.expiresAt != null && row.expiresAt.getTime() <= this.now();
        const principal = row && !expired ? await this.#principal(row.userId) : undefined;
        if (!row || !principal) {
          ctx.skipCache();
          return undefined;
        }
        // Last use is as precise as this cache period: a cached lookup does not reach the database.
        await this.db
          .update(apiTokens)
          .set({ lastUsedAt: new Date(this.now()) })
          .where(eq(apiTokens.id, row.id));
        keepFor(ctx, row.expiresAt ? row.expiresAt.getTime() - this.now() : Number.POSITIVE_INFINITY);
        ctx.options.tags = [userTag(principal.userId)];
        return principal;
      },
      LOOKUP,
    );
  }

  /**
   * The principal of a request's credentials when the memory tier holds it fresh (the same TTL and
   * tag checks as {@link authenticate}'s read), without waiting; `undefined` otherwise, and then
   * {@link authenticate} decides.
   */
  cachedPrincipal(cookie: string | undefined, bearer: string | undefined): Principal | undefined {
    if (bearer)
      return TOKEN_SHAPE.test(bearer) ? this.cache.getSync<Principal>(`token_${requestDigest(bearer)}`) : undefined;
    if (cookie)
      return TOKEN_SHAPE.test(cookie) ? this.cache.getSync<Principal>(`session_${requestDigest(cookie)}`) : undefined;
    return undefined;
  }

  /** Resolves a request's credentials (cookie or bearer token); throws 401 when absent or wrong. */
  async authenticate(credentials: { cookie?: string | undefined; bearer?: string | undefined }): Promise<Principal> {
    const principal = credentials.bearer
      ? await this.fromApiToken(credentials.bearer)
      : credentials.cookie
        ? await this.fromSession(credentials.cookie)
        : undefined;
    if (!principal)
      throw unauthenticated(credentials.bearer || credentials.cookie ? 'session expired or token invalid' : undefined);
    return principal;
  }

  /** Drops the cached principal of one API token (it was revoked), on every instance. */
  async dropToken(tokenHash: string): Promise<void> {
    await this.cache.delete(`token_${tokenHash}`);
  }

  /** Drops cached principals of these users (their memberships changed). */
  async forget(userIds: Iterable<number>): Promise<void> {
    const tags = [...new Set(userIds)].map(userTag);
    if (tags.length > 0) await this.cache.invalidateTags(tags);
  }

  async #principal(userId: number): Promise<Principal | undefined> {
    // A hot query through the Drizzle query cache: user rows rarely change, and any write to
    // `users` drops it (table tag). Only the principal's columns: the password hash never enters
    // a cache tier. Memberships are read fresh: they decide authorization.
    const [user] = await this.db
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        role: users.role,
        deactivatedAt: users.deactivatedAt,
      })
      .from(users)
      .where(eq(users.id, userId))
      .$withCache();
    if (!user || user.deactivatedAt) return undefined;
    const memberships = await this.db
      .select({ teamId: teamMembers.teamId })
      .from(teamMembers)
      .where(eq(teamMembers.userId, userId));
    return {
      userId: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      teamIds: memberships.map((m) => m.teamId).sort((a, b) => a - b),
    };
  }
}

/** Whether the principal may see a team's data. */
export function canSeeTeam(principal: Principal, teamId: number): boolean {
  return principal.role === 'admin' || principal.teamIds.includes(teamId);
}

/**
 * Users as admins manage them: list, create (with a chosen or generated password), rename, change
 * role, deactivate and reactivate; and a user's own password change. A deactivation or a password
 * change drops the user's cached principals by tag, so every instance refuses the old sessions
 * and tokens from its next request.
 */
import { randomBytes } from 'node:crypto';
import type { User, WithDates } from '@agiletrack/domain';
import { and, asc, eq, gt, ilike, inArray, isNotNull, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { sessions, teamMembers, users } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { hashPassword, verifyPassword } from '../security/passwords.ts';
import type { Accounts } from './accounts.ts';
import { type Actor, recordAudit } from './audit.ts';
import { type PageRequest, type PageResult, toPage } from './page.ts';

/** A user as the service returns it (dates as `Date`; the API sends them as ISO strings). */
export type UserView = WithDates<User>;

type UserRow = typeof users.$inferSelect;

/** The fields the audit log keeps of a user (never the password hash). */
const audited = (row: Pick<UserRow, 'email' | 'name' | 'role' | 'deactivatedAt'>) => ({
  email: row.email,
  name: row.name,
  role: row.role,
  active: row.deactivatedAt === null,
});

// The transaction-scoped advisory lock serialising changes that may remove an admin.
const ADMIN_SET_LOCK = 727_275;

/** A password for a new user when the admin gives none: 18 random characters, shown once. */
export const generatePassword = (): string => randomBytes(14).toString('base64url').slice(0, 18);

const isUniqueViolation = (error: unknown): boolean => {
  const e = error as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === '23505' || e?.cause?.code === '23505';
};

/** See the file comment. */
export class UserService {
  constructor(
    readonly db: AppDb,
    readonly accounts: Accounts,
  ) {}

  /** One page of users by id; `q` matches name or e-mail. */
  async list(
    filter: { q?: string | undefined; active?: boolean | undefined },
    page: PageRequest,
  ): Promise<PageResult<UserView>> {
    const where: SQL[] = [];
    if (filter.q) {
      const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(or(ilike(users.name, pattern), ilike(users.email, pattern))!);
    }
    if (filter.active !== undefined)
      where.push(filter.active ? isNull(users.deactivatedAt) : isNotNull(users.deactivatedAt));
    if (page.after !== undefined) where.push(gt(users.id, page.after));
    const rows = await this.db
      .select()
      .from(users)
      .where(and(...where))
      .orderBy(asc(users.id))
      .limit(page.limit + 1);
    const result = toPage(rows, page, (row) => row.id);
    return { items: await this.#views(this.db, result.items), nextCursor: result.nextCursor };
  }

  /** One user, or 404. */
  async get(userId: number): Promise<UserView> {
    const [row] = await this.db.select().from(users).where(eq(users.id, userId));
    if (!row) throw notFound(`user ${userId}`);
    return (await this.#views(this.db, [row]))[0]!;
  }

  /** Creates a user; without a password one is generated and returned (it is shown once). */
  async create(
    input: { email: string; name: string; role: 'admin' | 'member'; password?: string | undefined },
    actor: Actor,
  ): Promise<{ user: UserView; password?: string }> {
    const password = input.password ?? generatePassword();
    const passwordHash = await hashPassword(password);
    const row = await this.#write(async (tx) => {
      const [inserted] = await tx
        .insert(users)
        .values({ email: input.email.toLowerCase(), name: input.name, role: input.role, passwordHash })
        .returning();
      await recordAudit(tx, actor, {
        action: 'user.create',
        entity: 'user',
        entityId: inserted!.id,
        after: audited(inserted!),
      });
      return inserted!;
    });
    const user = (await this.#views(this.db, [row]))[0]!;
    return input.password === undefined ? { user, password } : { user };
  }

  /** Changes name, role or whether the user may log in; refuses to leave no active admin. */
  async update(
    userId: number,
    patch: { name?: string | undefined; role?: 'admin' | 'member' | undefined; active?: boolean | undefined },
    actor: Actor,
  ): Promise<UserView> {
    await this.#write(async (tx) => {
      // Changes that may take an admin away run one at a time, so each sees the others' result.
      if (patch.role === 'member' || patch.active === false)
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${ADMIN_SET_LOCK})`);
      // NO KEY UPDATE: the audit entries of concurrent changes (foreign key to their actor) do
      // not wait on this row, so admins changing each other cannot deadlock.
      const [existing] = await tx.select().from(users).where(eq(users.id, userId)).for('no key update');
      if (!existing) throw notFound(`user ${userId}`);
      const changes: Partial<typeof users.$inferInsert> = {};
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.role !== undefined) changes.role = patch.role;
      if (patch.active !== undefined)
        changes.deactivatedAt = patch.active ? null : (existing.deactivatedAt ?? new Date());
      const losesAdmin =
        existing.role === 'admin' &&
        existing.deactivatedAt === null &&
        (patch.role === 'member' || patch.active === false);
      if (losesAdmin) await this.#keepAnAdmin(tx, userId);
      const [updated] = await tx.update(users).set(changes).where(eq(users.id, userId)).returning();
      // A deactivated user's sessions end for good; tokens stay, refused while deactivated.
      if (patch.active === false) await tx.delete(sessions).where(eq(sessions.userId, userId));
      const action =
        patch.active === false
          ? 'user.deactivate'
          : patch.active === true && existing.deactivatedAt
            ? 'user.reactivate'
            : 'user.update';
      await recordAudit(tx, actor, {
        action,
        entity: 'user',
        entityId: userId,
        before: audited(existing),
        after: audited(updated!),
      });
    });
    // Role and access live in the cached principals: drop them on every instance.
    await this.accounts.forget([userId]);
    return this.get(userId);
  }

  /** Deactivates a user (their sessions end, their tokens stop working). */
  async deactivate(userId: number, actor: Actor): Promise<void> {
    await this.update(userId, { active: false }, actor);
  }

  /**
   * Changes the caller's own password after checking the current one, and ends every other session
   * of theirs (`keepSessionId`: the session making the change, when it is one).
   */
  async changePassword(
    userId: number,
    input: { currentPassword: string; newPassword: string },
    keepSessionId: string | undefined,
    actor: Actor,
  ): Promise<void> {
    const [user] = await this.db.select().from(users).where(eq(users.id, userId));
    if (!user) throw notFound(`user ${userId}`);
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw new AppError('E_VALIDATION', 'the current password is wrong');
    }
    const passwordHash = await hashPassword(input.newPassword);
    await this.#write(async (tx) => {
      await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
      await tx
        .delete(sessions)
        .where(
          keepSessionId
            ? and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId))
            : eq(sessions.userId, userId),
        );
      await recordAudit(tx, actor, { action: 'user.password', entity: 'user', entityId: userId });
    });
    await this.accounts.forget([userId]);
  }

  async #keepAnAdmin(tx: AppDb, leaving: number): Promise<void> {
    const others = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'admin'), isNull(users.deactivatedAt), ne(users.id, leaving)))
      .limit(1);
    if (others.length === 0)
      throw new AppError('E_CONFLICT', 'this is the last active admin: make another admin first');
  }

  async #views(db: AppDb, rows: UserRow[]): Promise<UserView[]> {
    if (rows.length === 0) return [];
    const memberships = await db
      .select()
      .from(teamMembers)
      .where(
        inArray(
          teamMembers.userId,
          rows.map((row) => row.id),
        ),
      );
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      active: row.deactivatedAt === null,
      teamIds: memberships
        .filter((m) => m.userId === row.id)
        .map((m) => m.teamId)
        .sort((a, b) => a - b),
      createdAt: row.createdAt,
      deactivatedAt: row.deactivatedAt,
    }));
  }

  async #write<T>(run: (tx: AppDb) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => run(tx as unknown as AppDb));
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('E_CONFLICT', 'a user with that e-mail already exists', { cause: error });
      throw error;
    }
  }
}

/**
 * Password resets: an admin issues a one-time link for a user (it expires, works once, and a new
 * one replaces the old), the user sets a new password through it without logging in, and the
 * operator can set one from the command line. Each is audited; each ends the user's sessions and
 * drops their cached principals on every instance. Links are stored as SHA-256 digests only.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { passwordResets, sessions, users } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { hashPassword } from '../security/passwords.ts';
import { type Accounts, digest, newToken } from './accounts.ts';
import { type Actor, recordAudit, SYSTEM_ACTOR } from './audit.ts';
import { inTransaction } from './read-options.ts';

// Only 43-character base64url tokens can be ours: anything else is refused before a lookup.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const invalidLink = () =>
  new AppError(
    'E_VALIDATION',
    'this reset link cannot be used: it was used already, has expired or was replaced. Ask an admin for a new one',
  );

/** See the file comment. */
export class PasswordResets {
  constructor(
    readonly db: AppDb,
    readonly accounts: Accounts,
    /** How long a link works. */
    readonly ttlMs: number,
    readonly now: () => number = Date.now,
  ) {}

  /** Issues a link for an active user (replacing any earlier one); the token is returned once. */
  async issue(userId: number, actor: Actor): Promise<{ token: string; expiresAt: Date }> {
    const token = newToken();
    const expiresAt = new Date(this.now() + this.ttlMs);
    await inTransaction(this.db, async (tx) => {
      const [user] = await tx
        .select({ id: users.id, deactivatedAt: users.deactivatedAt })
        .from(users)
        .where(eq(users.id, userId))
        .for('no key update');
      if (!user) throw notFound(`user ${userId}`);
      if (user.deactivatedAt) throw new AppError('E_CONFLICT', 'this user is deactivated: reactivate them first');
      await tx.delete(passwordResets).where(eq(passwordResets.userId, userId));
      await tx.insert(passwordResets).values({ id: digest(token), userId, createdBy: actor.userId, expiresAt });
      await recordAudit(tx, actor, {
        action: 'user.password-reset.issue',
        entity: 'user',
        entityId: userId,
        after: { expiresAt: expiresAt.toISOString() },
      });
    });
    return { token, expiresAt };
  }

  /** Sets a new password through a link; the link is spent. `address` is the caller's. */
  async consume(token: string, newPassword: string, address: string | null): Promise<void> {
    if (!TOKEN_SHAPE.test(token)) throw invalidLink();
    const passwordHash = await hashPassword(newPassword);
    const userId = await inTransaction(this.db, async (tx) => {
      const [link] = await tx
        .select({ userId: passwordResets.userId, email: users.email, deactivatedAt: users.deactivatedAt })
        .from(passwordResets)
        .innerJoin(users, eq(users.id, passwordResets.userId))
        .where(
          and(
            eq(passwordResets.id, digest(token)),
            isNull(passwordResets.usedAt),
            gt(passwordResets.expiresAt, new Date(this.now())),
          ),
        )
        .for('update', { of: passwordResets });
      if (!link || link.deactivatedAt) throw invalidLink();
      await tx
        .update(passwordResets)
        .set({ usedAt: new Date(this.now()) })
        .where(eq(passwordResets.id, digest(token)));
      await replacePassword(tx, link.userId, passwordHash);
      await recordAudit(
        tx,
        { userId: link.userId, email: link.email, address },
        { action: 'user.password-reset.use', entity: 'user', entityId: link.userId },
      );
      return link.userId;
    });
    await this.accounts.forget([userId]);
  }

  /** The operator's reset (`npm run cli -- user:password`): sets the password of `email`. */
  async setPassword(email: string, password: string, actor: Actor = SYSTEM_ACTOR): Promise<number> {
    const passwordHash = await hashPassword(password);
    const userId = await inTransaction(this.db, async (tx) => {
      const [user] = await tx
        .select({ id: users.id })
        .from(users)
        .where(eq(users.email, email.trim().toLowerCase()))
        .for('no key update');
      if (!user) throw notFound(`user ${email}`);
      await replacePassword(tx, user.id, passwordHash);
      await recordAudit(tx, actor, { action: 'user.password', entity: 'user', entityId: user.id });
      return user.id;
    });
    await this.accounts.forget([userId]);
    return userId;
  }
}

// The new hash; every session of the user ends and no other link stays usable.
async function replacePassword(tx: AppDb, userId: number, passwordHash: string): Promise<void> {
  await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
  await tx.delete(sessions).where(eq(sessions.userId, userId));
  await tx.delete(passwordResets).where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)));
}

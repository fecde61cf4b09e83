/**
 * A user's API tokens: list, create (the secret is returned once and stored as a hash), revoke.
 * A revocation drops the owner's cached principals by tag, so no instance accepts the token again.
 */
import type { ApiToken, WithDates } from '@agiletrack/domain';
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { apiTokens } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { type Accounts, digest, newToken } from './accounts.ts';
import { type Actor, recordAudit } from './audit.ts';
import { type PageRequest, type PageResult, toPage } from './page.ts';

/** A token as the service returns it (never the secret or its hash). */
export type ApiTokenView = WithDates<ApiToken>;

type TokenRow = typeof apiTokens.$inferSelect;

const view = (row: TokenRow): ApiTokenView => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  expiresAt: row.expiresAt,
});

const DAY_MS = 86_400_000;

/** See the file comment. */
export class TokenService {
  constructor(
    readonly db: AppDb,
    readonly accounts: Accounts,
    readonly now: () => number = Date.now,
  ) {}

  /** One page of a user's tokens, oldest first. */
  async list(userId: number, page: PageRequest): Promise<PageResult<ApiTokenView>> {
    const where: SQL[] = [eq(apiTokens.userId, userId)];
    if (page.after !== undefined) where.push(gt(apiTokens.id, page.after));
    const rows = await this.db
      .select()
      .from(apiTokens)
      .where(and(...where))
      .orderBy(asc(apiTokens.id))
      .limit(page.limit + 1);
    const result = toPage(rows, page, (row) => row.id);
    return { items: result.items.map(view), nextCursor: result.nextCursor };
  }

  /** Creates a token; `secret` is what the client sends as `Bearer` and is not kept. */
  async create(
    userId: number,
    input: { name: string; expiresInDays?: number | undefined },
    actor: Actor,
  ): Promise<{ token: ApiTokenView; secret: string }> {
    const secret = newToken();
    const expiresAt = input.expiresInDays === undefined ? null : new Date(this.now() + input.expiresInDays * DAY_MS);
    const row = await this.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(apiTokens)
        .values({ userId, name: input.name, tokenHash: digest(secret), expiresAt })
        .returning();
      await recordAudit(tx as unknown as AppDb, actor, {
        action: 'token.create',
        entity: 'api_token',
        entityId: inserted!.id,
        after: { userId, name: input.name, expiresAt: expiresAt?.toISOString() ?? null },
      });
      return inserted!;
    });
    return { token: view(row), secret };
  }

  /** Revokes one of the user's tokens; 404 when it is not theirs. */
  async revoke(userId: number, tokenId: number, actor: Actor): Promise<void> {
    let hash = '';
    await this.db.transaction(async (tx) => {
      const [row] = await tx
        .delete(apiTokens)
        .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId)))
        .returning();
      if (!row) throw notFound(`token ${tokenId}`);
      hash = row.tokenHash;
      await recordAudit(tx as unknown as AppDb, actor, {
        action: 'token.revoke',
        entity: 'api_token',
        entityId: tokenId,
        before: { userId, name: row.name },
      });
    });
    // The token's cached principal leaves the shared tier now and every L1 through the bus.
    await this.accounts.dropToken(hash);
  }
}

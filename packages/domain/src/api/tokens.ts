/** The caller's API tokens: list, create (the secret is shown once), revoke. */
import { z } from 'zod';
import { DisplayName, NextCursor, PageQuery, RowId, RowIdParam, route, Timestamp } from './common.ts';

/** An API token as its owner sees it (never the secret). */
export const ApiTokenSchema = z.object({
  id: RowId,
  name: z.string(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  expiresAt: Timestamp.nullable(),
});
/** An API token. */
export type ApiToken = z.infer<typeof ApiTokenSchema>;

/** POST /api/me/tokens: `expiresInDays` omitted means no expiry. */
export const CreateTokenBody = z.strictObject({
  name: DisplayName,
  expiresInDays: z.number().int().min(1).max(3_650).optional(),
});

/** A page of tokens. */
export const TokenPage = z.object({ tokens: z.array(ApiTokenSchema), nextCursor: NextCursor });
/** A created token with its secret: `Authorization: Bearer <secret>`. */
export const CreatedTokenBody = z.object({ token: ApiTokenSchema, secret: z.string() });

/** The routes of this file. */
export const tokenRoutes = [
  route({
    id: 'tokens.list',
    method: 'GET',
    path: '/api/me/tokens',
    summary: "The caller's API tokens",
    tag: 'Me',
    access: 'user',
    query: PageQuery,
    responses: { 200: TokenPage },
  }),
  route({
    id: 'tokens.create',
    method: 'POST',
    path: '/api/me/tokens',
    summary: 'Create an API token; the secret is in this answer only',
    tag: 'Me',
    access: 'user',
    body: CreateTokenBody,
    responses: { 201: CreatedTokenBody },
  }),
  route({
    id: 'tokens.revoke',
    method: 'DELETE',
    path: '/api/me/tokens/:tokenId',
    params: z.object({ tokenId: RowIdParam }),
    summary: 'Revoke an API token: refused on every instance from the next request',
    tag: 'Me',
    access: 'user',
    responses: { 204: null },
  }),
];

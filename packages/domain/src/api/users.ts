/** Users (admin only): list, create, read, change name/role/active, deactivate. */
import { z } from 'zod';
import { NewPassword } from './auth.ts';
import { DisplayName, Email, NextCursor, PageQuery, Role, RowId, RowIdParam, route, Timestamp } from './common.ts';

/** A user as admins see it (never a password hash). */
export const UserSchema = z.object({
  id: RowId,
  email: z.string(),
  name: z.string(),
  role: Role,
  active: z.boolean(),
  teamIds: z.array(RowId),
  createdAt: Timestamp,
  deactivatedAt: Timestamp.nullable(),
});
/** A user. */
export type User = z.infer<typeof UserSchema>;

/** GET /api/users: `q` matches name or e-mail. */
export const ListUsersQuery = PageQuery.extend({
  q: z.string().trim().max(254).optional(),
  active: z.enum(['true', 'false']).optional(),
});

/** POST /api/users: without `password`, one is generated and returned once. */
export const CreateUserBody = z.strictObject({
  email: Email,
  name: DisplayName,
  role: Role,
  password: NewPassword.optional(),
});

/** PATCH /api/users/:userId */
export const UpdateUserBody = z
  .strictObject({ name: DisplayName.optional(), role: Role.optional(), active: z.boolean().optional() })
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });

/** A page of users. */
export const UserPage = z.object({ users: z.array(UserSchema), nextCursor: NextCursor });
/** One user. */
export const UserBody = z.object({ user: UserSchema });
/** A created user, with the generated password when none was given (shown once). */
export const CreatedUserBody = z.object({ user: UserSchema, password: z.string().optional() });

/**
 * What `POST /api/users/:userId/password-reset` answers: the one-time link (shown once: only its
 * digest is stored) and when it stops working.
 */
export const PasswordResetLinkBody = z.object({ link: z.string(), expiresAt: Timestamp });

/** The routes of this file. */
export const userRoutes = [
  route({
    id: 'users.list',
    method: 'GET',
    path: '/api/users',
    summary: 'List users',
    tag: 'Users',
    access: 'admin',
    query: ListUsersQuery,
    responses: { 200: UserPage },
  }),
  route({
    id: 'users.create',
    method: 'POST',
    path: '/api/users',
    summary: 'Create a user (with a chosen or a generated password)',
    tag: 'Users',
    access: 'admin',
    body: CreateUserBody,
    responses: { 201: CreatedUserBody },
  }),
  route({
    id: 'users.get',
    method: 'GET',
    path: '/api/users/:userId',
    params: z.object({ userId: RowIdParam }),
    summary: 'One user',
    tag: 'Users',
    access: 'admin',
    responses: { 200: UserBody },
  }),
  route({
    id: 'users.update',
    method: 'PATCH',
    path: '/api/users/:userId',
    params: z.object({ userId: RowIdParam }),
    summary: "Change a user's name, role, or whether they may log in",
    tag: 'Users',
    access: 'admin',
    body: UpdateUserBody,
    responses: { 200: UserBody },
  }),
  route({
    id: 'users.passwordReset',
    method: 'POST',
    path: '/api/users/:userId/password-reset',
    params: z.object({ userId: RowIdParam }),
    summary: 'Issue a one-time password reset link for a user (expires, works once, replaces an earlier one; audited)',
    tag: 'Users',
    access: 'admin',
    responses: { 201: PasswordResetLinkBody },
  }),
  route({
    id: 'users.deactivate',
    method: 'DELETE',
    path: '/api/users/:userId',
    params: z.object({ userId: RowIdParam }),
    summary: 'Deactivate a user: their sessions and tokens stop working at once',
    tag: 'Users',
    access: 'admin',
    responses: { 204: null },
  }),
];

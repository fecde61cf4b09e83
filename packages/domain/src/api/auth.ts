/** Login, logout, the caller (`/api/me`) and password changes. */
import { z } from 'zod';
import { Role, RowId, route } from './common.ts';

/** The logged-in user as `/api/me` and login return it. */
export const PrincipalSchema = z.object({
  userId: RowId,
  email: z.string(),
  name: z.string(),
  role: Role,
  teamIds: z.array(RowId),
});
/** The logged-in user. */
export type Principal = z.infer<typeof PrincipalSchema>;

/**
 * A password a user sets: long enough to resist guessing (spaces around it do not count, so ten
 * spaces are no password), bounded so hashing stays cheap.
 */
export const NewPassword = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(200, 'must be at most 200 characters')
  .refine((password) => password.trim().length >= 10, {
    message: 'must be at least 10 characters, not counting spaces at either end',
  });

/** POST /api/auth/login */
export const LoginBody = z.strictObject({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(1_000),
});

/** POST /api/me/password */
export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(1_000),
  newPassword: NewPassword,
});

/** POST /api/auth/password-reset: the token of a one-time link and the new password. */
export const ResetPasswordBody = z.strictObject({
  token: z.string().min(1).max(100),
  newPassword: NewPassword,
});

/** What login and `/api/me` answer: the caller. */
export const PrincipalBody = z.object({ user: PrincipalSchema });

/** The routes of this file. */
export const authRoutes = [
  route({
    id: 'auth.login',
    method: 'POST',
    path: '/api/auth/login',
    summary: 'Log in: sets the httpOnly session cookie',
    tag: 'Auth',
    access: 'public',
    body: LoginBody,
    responses: { 200: PrincipalBody },
  }),
  route({
    id: 'auth.resetPassword',
    method: 'POST',
    path: '/api/auth/password-reset',
    summary:
      "Set a new password with a one-time reset link an admin issued (no login): the link is spent, the user's sessions end",
    tag: 'Auth',
    access: 'public',
    body: ResetPasswordBody,
    responses: { 204: null },
  }),
  route({
    id: 'auth.logout',
    method: 'POST',
    path: '/api/auth/logout',
    summary: 'Log out: ends the session of the cookie',
    tag: 'Auth',
    access: 'user',
    responses: { 204: null },
  }),
  route({
    id: 'me.get',
    method: 'GET',
    path: '/api/me',
    summary: 'The caller',
    tag: 'Me',
    access: 'user',
    responses: { 200: PrincipalBody },
  }),
  route({
    id: 'me.changePassword',
    method: 'POST',
    path: '/api/me/password',
    summary: "Change the caller's password; ends every other session of theirs",
    tag: 'Me',
    access: 'user',
    body: ChangePasswordBody,
    responses: { 204: null },
  }),
];

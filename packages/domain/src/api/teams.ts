/** Teams: list, create, read, rename, delete; their members by name and e-mail. */
import { z } from 'zod';
import { DisplayName, Email, NextCursor, PageQuery, RowId, RowIdParam, route, Timestamp } from './common.ts';

/** A team. */
export const TeamSchema = z.object({
  id: RowId,
  name: z.string(),
  description: z.string(),
  memberIds: z.array(RowId),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
/** A team. */
export type Team = z.infer<typeof TeamSchema>;

/** A member of a team, by name and e-mail. */
export const TeamMemberSchema = z.object({ userId: RowId, name: z.string(), email: z.string(), active: z.boolean() });
/** A member of a team. */
export type TeamMember = z.infer<typeof TeamMemberSchema>;

/** POST /api/teams */
export const CreateTeamBody = z.strictObject({
  name: DisplayName,
  description: z.string().max(2_000).optional(),
  memberIds: z.array(RowId).max(1_000).optional(),
});

/** PATCH /api/teams/:teamId */
export const UpdateTeamBody = CreateTeamBody.partial().refine((body) => Object.keys(body).length > 0, {
  message: 'nothing to change',
});

/** POST /api/teams/:teamId/members: the user by e-mail. */
export const AddMemberBody = z.strictObject({ email: Email });

/** A page of teams. */
export const TeamPage = z.object({ teams: z.array(TeamSchema), nextCursor: NextCursor });
/** One team. */
export const TeamBody = z.object({ team: TeamSchema });
/** A page of members. */
export const MemberPage = z.object({ members: z.array(TeamMemberSchema), nextCursor: NextCursor });

/** The routes of this file. */
export const teamRoutes = [
  route({
    id: 'teams.list',
    method: 'GET',
    path: '/api/teams',
    summary: 'The teams the caller may see (admins: all)',
    tag: 'Teams',
    access: 'user',
    query: PageQuery,
    responses: { 200: TeamPage, 304: null },
  }),
  route({
    id: 'teams.create',
    method: 'POST',
    path: '/api/teams',
    summary: 'Create a team',
    tag: 'Teams',
    access: 'admin',
    body: CreateTeamBody,
    responses: { 201: TeamBody },
  }),
  route({
    id: 'teams.get',
    method: 'GET',
    path: '/api/teams/:teamId',
    params: z.object({ teamId: RowIdParam }),
    summary: 'One team',
    tag: 'Teams',
    access: 'user',
    responses: { 200: TeamBody, 304: null },
  }),
  route({
    id: 'teams.update',
    method: 'PATCH',
    path: '/api/teams/:teamId',
    params: z.object({ teamId: RowIdParam }),
    summary: 'Rename or describe a team (members); change its members (admins)',
    tag: 'Teams',
    access: 'user',
    body: UpdateTeamBody,
    responses: { 200: TeamBody },
  }),
  route({
    id: 'teams.delete',
    method: 'DELETE',
    path: '/api/teams/:teamId',
    params: z.object({ teamId: RowIdParam }),
    summary: 'Delete a team with its integrations',
    tag: 'Teams',
    access: 'admin',
    responses: { 204: null },
  }),
  route({
    id: 'members.list',
    method: 'GET',
    path: '/api/teams/:teamId/members',
    params: z.object({ teamId: RowIdParam }),
    summary: "A team's members by name and e-mail",
    tag: 'Teams',
    access: 'user',
    query: PageQuery,
    responses: { 200: MemberPage },
  }),
  route({
    id: 'members.add',
    method: 'POST',
    path: '/api/teams/:teamId/members',
    params: z.object({ teamId: RowIdParam }),
    summary: 'Add a user to a team by e-mail',
    tag: 'Teams',
    access: 'admin',
    body: AddMemberBody,
    responses: { 201: z.object({ member: TeamMemberSchema }) },
  }),
  route({
    id: 'members.remove',
    method: 'DELETE',
    path: '/api/teams/:teamId/members/:userId',
    params: z.object({ teamId: RowIdParam, userId: RowIdParam }),
    summary: 'Remove a user from a team',
    tag: 'Teams',
    access: 'admin',
    responses: { 204: null },
  }),
];

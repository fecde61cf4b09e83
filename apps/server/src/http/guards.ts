/** Authorization checks used by the handlers, before any cache read. */
import type { CacheStatus } from '@agiletrack/cache';
import type { FastifyRequest } from 'fastify';
import { forbidden, notFound, unauthenticated } from '../errors.ts';
import { canSeeTeam, type Principal } from '../services/accounts.ts';
import type { Actor } from '../services/audit.ts';
import type { IntegrationService } from '../services/integrations.ts';
import type { IntegrationView } from '../services/views.ts';

/** The caller (the route's access guard has authenticated it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}

/** Throws 403 unless the caller may see the team. */
export function requireTeam(principal: Principal, teamId: number): void {
  if (!canSeeTeam(principal, teamId)) throw forbidden(`you are not a member of team ${teamId}`);
}

/** Throws 403 unless the caller is an admin. */
export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw forbidden('this needs the admin role');
}

/**
 * The team a path names, once the caller may see it. An id that names no row (a UUID) is 404 for
 * admins, who may see every team, and 403 for members, like any team not theirs.
 */
export function teamOf(principal: Principal, teamId: number | null): number {
  if (teamId === null) throw principal.role === 'admin' ? notFound('team') : forbidden();
  requireTeam(principal, teamId);
  return teamId;
}

/**
 * The integration a path names (cached), once the caller may see its team; checked before anything
 * else is read. A refusal does not say which team owns it; unknown ids are 404 for everyone (ids are
 * sequential, hiding them buys nothing).
 */
export async function integrationOf(
  integrations: IntegrationService,
  principal: Principal,
  id: number | null,
  status?: CacheStatus,
): Promise<IntegrationView> {
  if (id === null) throw notFound('integration');
  const integration = await integrations.getIntegration(id, status && { status });
  if (!canSeeTeam(principal, integration.teamId)) throw forbidden('you do not have access to this integration');
  return integration;
}

/** Who is making this request and from where, for the audit log. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  return { userId: principal.userId, email: principal.email, address: request.ip ?? null };
}

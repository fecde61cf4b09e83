/** Authorization checks used by the routes, before any cache read. */
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthenticated } from '../errors.ts';
import { canSeeTeam, type Principal } from '../services/accounts.ts';
import type { Actor } from '../services/audit.ts';

/** The caller (the onRequest hook has authenticated every /api route but login and health). */
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

/** Who is making this request and from where, for the audit log. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  return { userId: principal.userId, email: principal.email, address: request.ip ?? null };
}

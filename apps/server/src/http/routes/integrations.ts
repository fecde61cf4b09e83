/** Integration routes: read, change, delete, last sync, and starting a sync. */
import type { CacheStatus } from '@agiletrack/cache';
import { SyncQuery, TestIntegrationBody, UpdateIntegrationBody } from '@agiletrack/domain';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { connectorFor } from '../../connectors/registry.ts';
import { forbidden, notFound } from '../../errors.ts';
import { canSeeTeam, type Principal } from '../../services/accounts.ts';
import { testConnection } from '../../services/connection-test.ts';
import type { IntegrationView } from '../../services/views.ts';
import type { AppDeps } from '../deps.ts';
import { actorOf, principalOf } from '../guards.ts';
import { sendCached, wantsFresh } from '../respond.ts';
import { parse, parseRouteId } from '../validation.ts';

// The caller named an integration, not a team: a refusal must not tell them which team owns it.
function requireIntegrationAccess(principal: Principal, teamId: number): void {
  if (!canSeeTeam(principal, teamId)) throw forbidden('you do not have access to this integration');
}

/** See the file comment. */
export const integrationRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { integrations, metrics: metricsService } = deps;

    // The integration (cached) names its team; access is checked before anything else is read
    // or returned. Unknown ids are 404 for everyone: ids are sequential, hiding them buys nothing.
    async function load(request: FastifyRequest, principal: Principal): Promise<IntegrationView> {
      const id = parseRouteId((request.params as { integrationId?: unknown }).integrationId, 'integrationId');
      if (id === null) throw notFound('integration');
      const integration = await integrations.getIntegration(id);
      requireIntegrationAccess(principal, integration.teamId);
      return integration;
    }

    app.get('/api/connectors', async () => ({ connectors: deps.connectors.list() }));

    app.get('/api/integrations/:integrationId', async (request, reply) => {
      const principal = principalOf(request);
      const id = parseRouteId((request.params as { integrationId?: unknown }).integrationId, 'integrationId');
      if (id === null) throw notFound('integration');
      // Access first (from the cached owner), so a refused caller cannot force a refill.
      const status: CacheStatus = {};
      const cached = await integrations.getIntegration(id, { status });
      requireIntegrationAccess(principal, cached.teamId);
      const integration = wantsFresh(request) ? await integrations.getIntegration(id, { force: true, status }) : cached;
      return sendCached(request, reply, { integration }, status);
    });

    app.patch('/api/integrations/:integrationId', async (request) => {
      const integration = await load(request, principalOf(request));
      const body = parse(UpdateIntegrationBody, request.body);
      const { schemas } = connectorFor(integration.kind);
      const patch = {
        name: body.name,
        syncIntervalMinutes: body.syncIntervalMinutes,
        config: body.config === undefined ? undefined : parse(schemas.config, body.config, 'config'),
        credentials:
          body.credentials === undefined ? undefined : parse(schemas.credentials, body.credentials, 'credentials'),
      };
      return { integration: await integrations.updateIntegration(integration.id, patch, actorOf(request)) };
    });

    app.delete('/api/integrations/:integrationId', async (request, reply) => {
      const integration = await load(request, principalOf(request));
      await integrations.deleteIntegration(integration.id, actorOf(request));
      return reply.code(204).send();
    });

    // Tests the stored connection, or new credentials before they replace the stored ones.
    app.post('/api/integrations/:integrationId/test', async (request) => {
      const integration = await load(request, principalOf(request));
      const body = parse(TestIntegrationBody, request.body ?? undefined);
      const { schemas } = connectorFor(integration.kind);
      const credentials =
        body?.credentials === undefined
          ? await integrations.credentials(integration.id)
          : parse(schemas.credentials, body.credentials, 'credentials');
      return testConnection(
        { kind: integration.kind, config: integration.config, credentials },
        { guard: deps.outbound },
      );
    });

    app.get('/api/integrations/:integrationId/last-sync', async (request, reply) => {
      const integration = await load(request, principalOf(request));
      const status: CacheStatus = {};
      const lastSync = await metricsService.lastSync(integration, { force: wantsFresh(request), status });
      return sendCached(request, reply, { lastSync }, status);
    });

    app.post('/api/integrations/:integrationId/sync', async (request, reply) => {
      const integration = await load(request, principalOf(request));
      // `?full=true`: refetch everything instead of what changed since the last sync.
      const { full } = parse(SyncQuery, request.query, 'query');
      const { jobId } = await deps.jobs.enqueueSync({
        integrationId: integration.id,
        teamId: integration.teamId,
        ...(full && { full: true }),
      });
      return reply.code(202).header('Location', `/api/jobs/${jobId}`).send({ jobId });
    });

    app.get('/api/jobs/:jobId', async (request) => {
      const principal = principalOf(request);
      const raw = (request.params as { jobId?: unknown }).jobId;
      const id = parseRouteId(raw, 'jobId');
      // Job ids are UUIDs; a number is a valid id shape that names no job.
      const job = id === null ? await deps.jobs.getJob(String(raw).toLowerCase()) : undefined;
      if (!job) throw notFound('job (results are kept for one hour)');
      if (principal.role !== 'admin' && !principal.teamIds.includes(job.data.teamId)) throw forbidden();
      return { job };
    });
  };

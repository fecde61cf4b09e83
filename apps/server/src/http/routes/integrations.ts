/** Integrations: a team's list, connect, Test connection, read, change, delete, last sync, sync jobs. */
import type { CacheStatus } from '@agiletrack/cache';
import { routeUrl } from '@agiletrack/domain';
import { connectorFor } from '../../connectors/registry.ts';
import { forbidden, notFound } from '../../errors.ts';
import { testConnection } from '../../services/connection-test.ts';
import { pageInMemory, pageOf } from '../../services/page.ts';
import type { AppDeps } from '../deps.ts';
import { actorOf, integrationOf, teamOf } from '../guards.ts';
import { sendCached, wantsFresh } from '../respond.ts';
import type { HandlersOf } from '../routing.ts';
import { parse } from '../validation.ts';

/** See the file comment. */
export function integrationRoutes(deps: AppDeps): HandlersOf<'integrations' | 'jobs'> {
  const { integrations, metrics } = deps;
  return {
    'integrations.list': async ({ request, reply, principal, params, query }) => {
      const teamId = teamOf(principal, params.teamId);
      const status: CacheStatus = {};
      const all = await integrations.listIntegrations(teamId, { force: wantsFresh(request), status });
      const { items, nextCursor } = pageInMemory(all, pageOf(query), (integration) => integration.id);
      return sendCached(request, reply, { integrations: items, nextCursor }, status);
    },

    // A new integration gets its webhook secret (shown this once), a default sync interval unless
    // one was given (null keeps it manual), and its first sync at once.
    'integrations.create': async ({ request, principal, params, body }) => {
      const teamId = teamOf(principal, params.teamId);
      const syncIntervalMinutes =
        body.syncIntervalMinutes === undefined ? deps.config.SYNC_DEFAULT_INTERVAL_MINUTES : body.syncIntervalMinutes;
      const created = await integrations.createIntegration(teamId, { ...body, syncIntervalMinutes }, actorOf(request));
      const webhookSecret = await deps.webhooks.issueSecret(created.id, actorOf(request));
      if (deps.config.SYNC_ON_CONNECT) await deps.jobs.enqueueSync({ integrationId: created.id, teamId });
      return { integration: created, webhookSecret };
    },

    'integrations.webhookSecret': async ({ request, principal, params }) => {
      const integration = await integrationOf(integrations, principal, params.integrationId);
      return { secret: await deps.webhooks.issueSecret(integration.id, actorOf(request)) };
    },

    'integrations.webhook': async ({ principal, params }) => {
      const integration = await integrationOf(integrations, principal, params.integrationId);
      const { webhook } = connectorFor(integration.kind);
      return {
        path: routeUrl(webhook.route, { params: { integrationId: integration.id } }),
        events: [...webhook.events],
        signatureHeader: webhook.signatureHeader,
        ...(await deps.webhooks.recent(integration.id)),
      };
    },

    // The form's "Test connection": the same request a sync starts with, before anything is stored.
    'integrations.testNew': async ({ principal, params, body }) => {
      await deps.teams.getTeam(teamOf(principal, params.teamId));
      return testConnection(
        { kind: body.kind, config: body.config, credentials: body.credentials },
        { guard: deps.outbound },
      );
    },

    'integrations.connectors': async () => ({ connectors: deps.connectors.list() }),

    'integrations.get': async ({ request, reply, principal, params }) => {
      // Access first (from the cached owner), so a refused caller cannot force a refill.
      const status: CacheStatus = {};
      const cached = await integrationOf(integrations, principal, params.integrationId, status);
      const integration = wantsFresh(request)
        ? await integrations.getIntegration(cached.id, { force: true, status })
        : cached;
      return sendCached(request, reply, { integration }, status);
    },

    'integrations.update': async ({ request, principal, params, body }) => {
      const integration = await integrationOf(integrations, principal, params.integrationId);
      const { schemas } = connectorFor(integration.kind);
      const patch = {
        name: body.name,
        syncIntervalMinutes: body.syncIntervalMinutes,
        config: body.config === undefined ? undefined : parse(schemas.config, body.config, 'config'),
        credentials:
          body.credentials === undefined ? undefined : parse(schemas.credentials, body.credentials, 'credentials'),
      };
      return { integration: await integrations.updateIntegration(integration.id, patch, actorOf(request)) };
    },

    'integrations.delete': async ({ request, principal, params }) => {
      const integration = await integrationOf(integrations, principal, params.integrationId);
      await integrations.deleteIntegration(integration.id, actorOf(request));
    },

    // Tests the stored connection, or new credentials before they replace the stored ones.
    'integrations.test': async ({ principal, params, body }) => {
      const integration = await integrationOf(integrations, principal, params.integrationId);
      const { schemas } = connectorFor(integration.kind);
      // Stored credentials come with the config of the same row read: a cached config may be
      // older or newer than them, and credentials go only where they were entered for.
      const target =
        body?.credentials === undefined
          ? await integrations.connection(integration.id)
          : {
              kind: integration.kind,
              config: integration.config,
              credentials: parse(schemas.credentials, body.credentials, 'credentials'),
            };
      return testConnection(target, { guard: deps.outbound });
    },

    'integrations.lastSync': async ({ request, reply, principal, params }) => {
      const integration = await integrationOf(integrations, principal, params.integrationId);
      const status: CacheStatus = {};
      const lastSync = await metrics.lastSync(integration, { force: wantsFresh(request), status });
      return sendCached(request, reply, { lastSync }, status);
    },

    // `?full=true`: refetch everything instead of what changed since the last sync.
    'integrations.sync': async ({ reply, principal, params, query }) => {
      const integration = await integrationOf(integrations, principal, params.integrationId);
      const { jobId } = await deps.jobs.enqueueSync({
        integrationId: integration.id,
        teamId: integration.teamId,
        ...(query.full && { full: true }),
      });
      reply.header('Location', routeUrl('jobs.get', { params: { jobId } }));
      return { jobId };
    },

    // Job ids are UUIDs; a number is a valid id shape that names no job.
    'jobs.get': async ({ principal, params }) => {
      const job = params.jobId === null ? undefined : await deps.jobs.getJob(params.jobId);
      if (!job) throw notFound('job (results are kept for one hour)');
      if (principal.role !== 'admin' && !principal.teamIds.includes(job.data.teamId)) throw forbidden();
      return { job };
    },
  };
}

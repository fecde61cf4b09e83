/** Every route of the HTTP API, from each resource's file. A route missing here fails the OpenAPI test. */
import { adminCacheRoutes } from './admin-cache.ts';
import { auditRoutes } from './audit.ts';
import { authRoutes } from './auth.ts';
import type { RouteSpec } from './common.ts';
import { connectorRoutes } from './connectors.ts';
import { integrationRoutes } from './integrations.ts';
import { metricsRoutes } from './metrics.ts';
import { systemRoutes } from './system.ts';
import { teamRoutes } from './teams.ts';
import { tokenRoutes } from './tokens.ts';
import { userRoutes } from './users.ts';

/** Every route, grouped as the document lists them. */
export const API_ROUTES: readonly RouteSpec[] = [
  ...authRoutes,
  ...tokenRoutes,
  ...userRoutes,
  ...teamRoutes,
  ...integrationRoutes,
  ...connectorRoutes,
  ...metricsRoutes,
  ...auditRoutes,
  ...adminCacheRoutes,
  ...systemRoutes,
];

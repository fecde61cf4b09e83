/** The HTTP API's shapes, one file per resource, and the route table the OpenAPI document comes from. */
export * from './admin-cache.ts';
export * from './audit.ts';
export * from './auth.ts';
export * from './common.ts';
export * from './connectors.ts';
export * from './goals.ts';
export * from './integrations.ts';
export * from './messages.ts';
export * from './metrics.ts';
export * from './routes.ts';
export * from './streams.ts';
export * from './system.ts';
export * from './teams.ts';
export * from './tokens.ts';
export * from './users.ts';
export * from './webhooks.ts';

/**
 * The sources an integration can connect to, as the dashboard needs them: each kind's name and
 * the fields of its connect form (labels, hints, which are secret, when a field applies), so the
 * form is rendered from data instead of per-kind code. The server answers the list from its
 * connector registry, with one-click presets (the demo simulator) when it has any.
 */
import { z } from 'zod';
import { route } from './common.ts';
import { IntegrationKind } from './integrations.ts';

/** One input of a connect form; `path` names where its value goes in the request body. */
export const ConnectorFieldSchema = z.object({
  /** `config.owner`, `credentials.token`, `config.fields.sprint`. */
  path: z.string().regex(/^(config|credentials)(\.[A-Za-z][A-Za-z0-9]*)+$/),
  label: z.string(),
  hint: z.string(),
  input: z.enum(['text', 'url', 'email', 'number', 'password', 'select']),
  required: z.boolean(),
  /** Stored encrypted, never shown again; the rotate form asks for these. */
  secret: z.boolean(),
  placeholder: z.string().optional(),
  /** An HTML `pattern` for the input. */
  pattern: z.string().optional(),
  /** The choices of a `select`; the first is the default. */
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  /** The field applies only while another field has this value (Jira Cloud vs Data Center). */
  when: z.object({ path: z.string(), equals: z.string() }).optional(),
});
/** A connect form field. */
export type ConnectorField = z.infer<typeof ConnectorFieldSchema>;

/** What the dashboard shows of a source kind. */
export const ConnectorInfoSchema = z.object({
  kind: IntegrationKind,
  /** `GitHub`. */
  label: z.string(),
  /** `GitHub repository`: what one integration connects. */
  noun: z.string(),
  /** Config keys whose values, joined by `/`, name the connected thing (`acme/web`, `ENG`). */
  summary: z.array(z.string()),
  fields: z.array(ConnectorFieldSchema),
  /** Ready-made values (form path → value) offered as one click, such as the demo simulator. */
  presets: z.array(z.object({ label: z.string(), values: z.record(z.string(), z.string()) })),
});
/** A source kind as the dashboard renders it. */
export type ConnectorInfo = z.infer<typeof ConnectorInfoSchema>;

/** GET /api/connectors. */
export const ConnectorListBody = z.object({ connectors: z.array(ConnectorInfoSchema) });

/** The name and summary of each kind, for pages that only label an integration. */
export const CONNECTOR_LABELS: Readonly<Record<z.infer<typeof IntegrationKind>, { label: string; summary: string[] }>> =
  {
    github: { label: 'GitHub', summary: ['owner', 'repo'] },
    jira: { label: 'Jira', summary: ['projectKey'] },
  };

/** `acme/web` for a GitHub integration, `ENG` for a Jira one: the configured target, in words. */
export function integrationTarget(integration: {
  kind: z.infer<typeof IntegrationKind>;
  config: Record<string, unknown>;
}): string {
  return CONNECTOR_LABELS[integration.kind].summary.map((key) => String(integration.config[key] ?? '?')).join('/');
}

/** The routes of this file. */
export const connectorRoutes = [
  route({
    id: 'integrations.connectors',
    method: 'GET',
    path: '/api/connectors',
    summary: 'The kinds of source an integration can connect to, with their connect forms',
    tag: 'Integrations',
    access: 'user',
    responses: { 200: ConnectorListBody },
  }),
];

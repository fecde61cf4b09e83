/** The Jira connector: a project's issues (Cloud or Data Center) and its board's sprints. */
import { JiraConfig, JiraCredentials } from '@agiletrack/domain';
import { jiraMetrics } from '../../metrics/jira.ts';
import type { Connector } from '../connector.ts';
import { fetchJira, type JiraConfig as JiraSettings } from './fetch.ts';
import { jiraForm } from './form.ts';

const settings = (config: Record<string, unknown>) =>
  config as unknown as JiraSettings & { baseUrl: string; email?: string };

/** See the file comment. */
export const jiraConnector: Connector = {
  kind: 'jira',
  form: jiraForm,
  schemas: { config: JiraConfig, credentials: JiraCredentials },
  origin(config) {
    const baseUrl = typeof config.baseUrl === 'string' ? config.baseUrl : '';
    try {
      return new URL(baseUrl).origin;
    } catch {
      return `invalid:${baseUrl}`;
    }
  },
  client(config, credentials) {
    // Jira Server / Data Center: a personal access token as Bearer; Cloud: Basic e-mail + API token.
    const authorization =
      credentials.personalAccessToken !== undefined
        ? `Bearer ${credentials.personalAccessToken}`
        : `Basic ${Buffer.from(`${settings(config).email}:${credentials.apiToken}`).toString('base64')}`;
    return {
      baseUrl: settings(config).baseUrl,
      headers: { authorization },
      source: 'Jira',
      notFound: 'project or board not found, or the API token lacks access to it',
    };
  },
  describe: (config) => `project ${settings(config).projectKey}`,
  async probe(client, config) {
    const response = await client.get<{ values?: { key?: string }[] }>('/rest/api/3/project/search?maxResults=100');
    return (response.body.values ?? []).some((project) => project.key === settings(config).projectKey);
  },
  fetch: (client, config, ctx, progress) => fetchJira(client, settings(config), ctx, progress),
  metrics: jiraMetrics,
  webhook: {
    route: 'webhooks.jira',
    signatureHeader: 'x-hub-signature',
    deliveryHeader: 'x-atlassian-webhook-identifier',
    events: ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'sprint_started', 'sprint_closed'],
    event: (_headers, body) => String((body as { webhookEvent?: unknown } | null)?.webhookEvent ?? ''),
    relevant(event) {
      return this.events.includes(event);
    },
  },
};

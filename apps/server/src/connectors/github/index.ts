/** The GitHub connector: a repository's pull requests, deployments and incidents. */
import { GithubConfig, GithubCredentials } from '@agiletrack/domain';
import { githubMetrics } from '../../metrics/github.ts';
import type { Connector } from '../connector.ts';
import { githubForm } from './form.ts';
import { fetchGithubGraphql } from './graphql.ts';
import type { GithubConfig as GithubSettings } from './items.ts';
import { fetchGithub } from './rest.ts';

const DEFAULT_API = 'https://api.github.com';

const settings = (config: Record<string, unknown>) => config as unknown as GithubSettings & { baseUrl?: string };

const repoPath = (config: GithubSettings) =>
  `/repos/${encodeURIComponent(config.owner)}/${encodeURIComponent(config.repo)}`;

/** See the file comment. */
export const githubConnector: Connector = {
  kind: 'github',
  form: githubForm,
  schemas: { config: GithubConfig, credentials: GithubCredentials },
  origin(config) {
    const baseUrl = settings(config).baseUrl ?? DEFAULT_API;
    try {
      return new URL(baseUrl).origin;
    } catch {
      return `invalid:${baseUrl}`;
    }
  },
  client(config, credentials) {
    return {
      baseUrl: settings(config).baseUrl ?? DEFAULT_API,
      headers: { authorization: `Bearer ${credentials.token}`, 'x-github-api-version': '2022-11-28' },
      source: 'GitHub',
      notFound: 'repository not found, or the token lacks access to it',
    };
  },
  describe: (config) => `repository ${settings(config).owner}/${settings(config).repo}`,
  async probe(client, config) {
    await client.get(`${repoPath(settings(config))}/pulls?state=all&per_page=1`);
    return true;
  },
  // GraphQL unless the integration asks for the REST fallback.
  fetch: (client, config, ctx, progress) =>
    settings(config).api === 'rest'
      ? fetchGithub(client, settings(config), ctx, progress)
      : fetchGithubGraphql(client, settings(config).baseUrl ?? DEFAULT_API, settings(config), ctx, progress),
  metrics: githubMetrics,
  webhook: {
    route: 'webhooks.github',
    signatureHeader: 'x-hub-signature-256',
    deliveryHeader: 'x-github-delivery',
    events: ['pull_request', 'pull_request_review', 'deployment_status', 'issues'],
    event: (headers) => String(headers['x-github-event'] ?? ''),
    relevant(event) {
      return this.events.includes(event);
    },
  },
};

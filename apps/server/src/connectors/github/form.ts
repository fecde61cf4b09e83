/** The GitHub connect form, as the dashboard renders it. */
import { CONNECTOR_LABELS } from '@agiletrack/domain';
import type { Connector } from '../connector.ts';

/** See the file comment. */
export const githubForm: Connector['form'] = {
  kind: 'github',
  label: CONNECTOR_LABELS.github.label,
  noun: 'GitHub repository',
  summary: CONNECTOR_LABELS.github.summary,
  fields: [
    {
      path: 'config.owner',
      label: 'Owner',
      hint: 'The user or organisation that owns the repository, as in github.com/OWNER/repo.',
      input: 'text',
      required: true,
      secret: false,
    },
    {
      path: 'config.repo',
      label: 'Repository',
      hint: 'The repository name, as in github.com/owner/REPO.',
      input: 'text',
      required: true,
      secret: false,
    },
    {
      path: 'credentials.token',
      label: 'Access token',
      hint: 'A fine-grained token with read access to pull requests, deployments, issues and contents. Stored encrypted, never shown again.',
      input: 'password',
      required: true,
      secret: true,
    },
    {
      path: 'config.baseUrl',
      label: 'API address (optional)',
      hint: 'Only for GitHub Enterprise Server: its API URL (https://github.example.com/api/v3). Empty means api.github.com.',
      input: 'url',
      required: false,
      secret: false,
      placeholder: 'https://api.github.com',
    },
    {
      path: 'config.api',
      label: 'API',
      hint: 'GraphQL reads a hundred pull requests with their reviews, commits and size for a few points; REST is the fallback for servers where GraphQL is unavailable.',
      input: 'select',
      required: false,
      secret: false,
      options: [
        { value: 'graphql', label: 'GraphQL (recommended)' },
        { value: 'rest', label: 'REST' },
      ],
    },
  ],
};

/**
 * The Jira connect form: Jira Cloud (account e-mail and API token) or Jira Server / Data Center
 * (a personal access token), the board for sprints, and the custom fields of story points and
 * sprints where a site's names are not the usual ones.
 */
import { CONNECTOR_LABELS } from '@agiletrack/domain';
import type { Connector } from '../connector.ts';

const CUSTOM_FIELD = 'customfield_[0-9]+';
const cloud = { path: 'config.deployment', equals: 'cloud' };
const datacenter = { path: 'config.deployment', equals: 'datacenter' };

/** See the file comment. */
export const jiraForm: Connector['form'] = {
  kind: 'jira',
  label: CONNECTOR_LABELS.jira.label,
  noun: 'Jira project',
  summary: CONNECTOR_LABELS.jira.summary,
  fields: [
    {
      path: 'config.baseUrl',
      label: 'Jira site',
      hint: 'Your Jira address, e.g. https://yourcompany.atlassian.net.',
      input: 'url',
      required: true,
      secret: false,
    },
    {
      path: 'config.projectKey',
      label: 'Project key',
      hint: 'The short key in issue names: ENG for ENG-123.',
      input: 'text',
      required: true,
      secret: false,
      pattern: '[A-Z][A-Z0-9_]*',
    },
    {
      path: 'config.deployment',
      label: 'Jira edition',
      hint: 'Jira Cloud signs in with an account e-mail and API token; Server and Data Center with a personal access token.',
      input: 'select',
      required: true,
      secret: false,
      options: [
        { value: 'cloud', label: 'Jira Cloud' },
        { value: 'datacenter', label: 'Jira Server / Data Center' },
      ],
    },
    {
      path: 'config.email',
      label: 'Account e-mail',
      hint: 'The Jira account the API token belongs to.',
      input: 'email',
      required: true,
      secret: false,
      when: cloud,
    },
    {
      path: 'credentials.apiToken',
      label: 'API token',
      hint: "Created under your Atlassian account's security settings. Stored encrypted, never shown again.",
      input: 'password',
      required: true,
      secret: true,
      when: cloud,
    },
    {
      path: 'credentials.personalAccessToken',
      label: 'Personal access token',
      hint: 'Created in your Jira profile (Personal Access Tokens). Stored encrypted, never shown again.',
      input: 'password',
      required: true,
      secret: true,
      when: datacenter,
    },
    {
      path: 'config.boardId',
      label: 'Board id (optional)',
      hint: 'The board whose sprints give velocity: the number in …/boards/42.',
      input: 'number',
      required: false,
      secret: false,
    },
    {
      path: 'config.fields.storyPoints',
      label: 'Story points field (optional)',
      hint: 'Only when discovery by name picks the wrong field: its id, like customfield_10016.',
      input: 'text',
      required: false,
      secret: false,
      pattern: CUSTOM_FIELD,
    },
    {
      path: 'config.fields.sprint',
      label: 'Sprint field (optional)',
      hint: 'Only when the sprint field is not found: its id, like customfield_10020.',
      input: 'text',
      required: false,
      secret: false,
      pattern: CUSTOM_FIELD,
    },
  ],
};

import type { ConnectorInfo } from '@agiletrack/domain';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import { connectBody, fieldErrors, secretFields, visibleFields } from './connector-form.ts';

// The shape the server's Jira connector answers (trimmed to the fields that matter here).
const jira: ConnectorInfo = {
  kind: 'jira',
  label: 'Jira',
  noun: 'Jira project',
  summary: ['projectKey'],
  presets: [],
  fields: [
    { path: 'config.baseUrl', label: 'Jira site', hint: '', input: 'url', required: true, secret: false },
    { path: 'config.projectKey', label: 'Project key', hint: '', input: 'text', required: true, secret: false },
    {
      path: 'config.deployment',
      label: 'Jira edition',
      hint: '',
      input: 'select',
      required: true,
      secret: false,
      options: [
        { value: 'cloud', label: 'Cloud' },
        { value: 'datacenter', label: 'Data Center' },
      ],
    },
    {
      path: 'config.email',
      label: 'E-mail',
      hint: '',
      input: 'email',
      required: true,
      secret: false,
      when: { path: 'config.deployment', equals: 'cloud' },
    },
    {
      path: 'credentials.apiToken',
      label: 'API token',
      hint: '',
      input: 'password',
      required: true,
      secret: true,
      when: { path: 'config.deployment', equals: 'cloud' },
    },
    {
      path: 'credentials.personalAccessToken',
      label: 'Personal access token',
      hint: '',
      input: 'password',
      required: true,
      secret: true,
      when: { path: 'config.deployment', equals: 'datacenter' },
    },
    { path: 'config.boardId', label: 'Board', hint: '', input: 'number', required: false, secret: false },
    { path: 'config.fields.sprint', label: 'Sprint field', hint: '', input: 'text', required: false, secret: false },
  ],
};

describe('the connect form as data', () => {
  it('shows the fields of the chosen edition only', () => {
    const paths = (values: Record<string, string>) => visibleFields(jira, values).map((f) => f.path);
    expect(paths({})).toContain('credentials.apiToken');
    expect(paths({})).not.toContain('credentials.personalAccessToken');
    expect(paths({ 'config.deployment': 'datacenter' })).toContain('credentials.personalAccessToken');
    expect(paths({ 'config.deployment': 'datacenter' })).not.toContain('config.email');
  });

  it('builds a Data Center body with a personal access token, a board number and a custom field', () => {
    const body = connectBody(
      jira,
      {
        'config.baseUrl': 'https://jira.example.com',
        'config.projectKey': 'ENG',
        'config.deployment': 'datacenter',
        'config.email': 'left@over.example',
        'credentials.personalAccessToken': 'pat',
        'config.boardId': '42',
        'config.fields.sprint': 'customfield_10104',
      },
      { name: '', interval: '' },
    );
    expect(body).toEqual({
      kind: 'jira',
      name: 'ENG',
      config: {
        baseUrl: 'https://jira.example.com',
        projectKey: 'ENG',
        deployment: 'datacenter',
        boardId: 42,
        fields: { sprint: 'customfield_10104' },
      },
      credentials: { personalAccessToken: 'pat' },
    });
  });

  it('asks the rotate form for the secret of the stored edition', () => {
    expect(secretFields(jira, { deployment: 'datacenter' }).map((f) => f.path)).toEqual([
      'credentials.personalAccessToken',
    ]);
    expect(secretFields(jira, {}).map((f) => f.path)).toEqual(['credentials.apiToken']);
  });

  it("puts the server's validation messages at the fields they name", () => {
    const error = new ApiError(
      400,
      'E_VALIDATION',
      'invalid body: config.projectKey: must be a Jira project key like ENG; credentials: Invalid input',
    );
    expect(fieldErrors(error, visibleFields(jira, {}))).toEqual({
      'config.projectKey': 'must be a Jira project key like ENG',
      'credentials.apiToken': 'Invalid input',
    });
  });
});

/**
 * Settings → Integrations: connect a team to a GitHub repository or a Jira project with a form
 * that explains each field and tests the connection first; then edit, rotate the token, sync or
 * delete (after confirming). Credentials are sent once and never shown again.
 */
import type { ConnectionTest, Integration, TestIntegrationBody } from '@agiletrack/domain';
import { type FormEvent, type InputHTMLAttributes, useState } from 'react';
import type { z } from 'zod';
import { ApiError, call, messageOf } from '../app/api.ts';
import { resources } from '../app/resources.ts';
import { useResource } from '../app/use-resource.ts';
import { Message, type Outcome, useOutcome } from '../components/Feedback.tsx';
import { ConfirmButton, Field } from '../components/Form.tsx';
import { Link } from '../components/Link.tsx';
import { LoadError, Loading } from '../components/States.tsx';
import { SyncButton } from '../components/SyncButton.tsx';
import { TeamChoice } from '../components/TeamChoice.tsx';

type Kind = 'github' | 'jira';

interface Draft {
  kind: Kind;
  name: string;
  owner: string;
  repo: string;
  baseUrl: string;
  projectKey: string;
  boardId: string;
  email: string;
  secret: string;
  interval: string;
}

const EMPTY: Draft = {
  kind: 'github',
  name: '',
  owner: '',
  repo: '',
  baseUrl: '',
  projectKey: '',
  boardId: '',
  email: '',
  secret: '',
  interval: '',
};

const bodyOf = (d: Draft) =>
  d.kind === 'github'
    ? {
        kind: 'github' as const,
        name: d.name || `${d.owner}/${d.repo}`,
        config: { owner: d.owner, repo: d.repo, ...(d.baseUrl && { baseUrl: d.baseUrl }) },
        credentials: { token: d.secret },
        ...(d.interval && { syncIntervalMinutes: Number(d.interval) }),
      }
    : {
        kind: 'jira' as const,
        name: d.name || d.projectKey,
        config: {
          baseUrl: d.baseUrl,
          projectKey: d.projectKey,
          email: d.email,
          ...(d.boardId && { boardId: Number(d.boardId) }),
        },
        credentials: { apiToken: d.secret },
        ...(d.interval && { syncIntervalMinutes: Number(d.interval) }),
      };

/** What Test connection sends for a stored integration: nothing, or credentials to try instead. */
type TestIntegrationInput = z.input<typeof TestIntegrationBody>;

/** Waits for a connection test and turns its answer into a message. */
async function tested(test: Promise<ConnectionTest>): Promise<Outcome> {
  const result = await test;
  return { kind: result.ok ? 'success' : 'error', text: result.message };
}

/** One input of the connect form: the draft field it edits, its words, its input attributes. */
interface InputSpec {
  readonly field: Exclude<keyof Draft, 'kind'>;
  readonly label: string;
  readonly hint: string;
  readonly input?: InputHTMLAttributes<HTMLInputElement>;
}

const SECRET: InputHTMLAttributes<HTMLInputElement> = { type: 'password', required: true, autoComplete: 'off' };

const INPUTS: Record<Kind, readonly InputSpec[]> = {
  github: [
    {
      field: 'owner',
      label: 'Owner',
      hint: 'The user or organisation that owns the repository, as in github.com/OWNER/repo.',
      input: { required: true },
    },
    {
      field: 'repo',
      label: 'Repository',
      hint: 'The repository name, as in github.com/owner/REPO.',
      input: { required: true },
    },
    {
      field: 'secret',
      label: 'Access token',
      hint: 'A fine-grained token with read access to pull requests and deployments. Stored encrypted, never shown again.',
      input: SECRET,
    },
    {
      field: 'baseUrl',
      label: 'API address (optional)',
      hint: 'Only for GitHub Enterprise: its API URL. Empty means api.github.com.',
      input: { type: 'url', placeholder: 'https://api.github.com' },
    },
  ],
  jira: [
    {
      field: 'baseUrl',
      label: 'Jira site',
      hint: 'Your Jira address, e.g. https://yourcompany.atlassian.net.',
      input: { type: 'url', required: true },
    },
    {
      field: 'projectKey',
      label: 'Project key',
      hint: 'The short key in issue names: ENG for ENG-123.',
      input: { required: true, pattern: '[A-Z][A-Z0-9_]*' },
    },
    {
      field: 'email',
      label: 'Account e-mail',
      hint: 'The Jira account the API token belongs to.',
      input: { type: 'email', required: true },
    },
    {
      field: 'secret',
      label: 'API token',
      hint: "Created under your Atlassian account's security settings. Stored encrypted, never shown again.",
      input: SECRET,
    },
    {
      field: 'boardId',
      label: 'Board id (optional)',
      hint: 'The board whose sprints give velocity: the number in …/boards/42.',
      input: { type: 'number', min: 1 },
    },
  ],
};

const COMMON_INPUTS: readonly InputSpec[] = [
  {
    field: 'name',
    label: 'Display name (optional)',
    hint: 'How the dashboard names it. Empty: the repository or project.',
    input: { maxLength: 120 },
  },
  {
    field: 'interval',
    label: 'Sync every (minutes, optional)',
    hint: 'Empty: only when someone presses Sync. At least 5.',
    input: { type: 'number', min: 5, max: 10080 },
  },
];

// Where a request field (as the server names it in a validation message) sits in the form.
const DRAFT_FIELD: Record<string, InputSpec['field']> = {
  name: 'name',
  syncIntervalMinutes: 'interval',
  'config.owner': 'owner',
  'config.repo': 'repo',
  'config.baseUrl': 'baseUrl',
  'config.projectKey': 'projectKey',
  'config.boardId': 'boardId',
  'config.email': 'email',
  credentials: 'secret',
};

/**
 * The problems of a refused connect request, by form field: the server names each problem's
 * field (`invalid body: config.owner: must be …; credentials.token: …`).
 */
function fieldErrors(error: unknown): Partial<Record<InputSpec['field'], string>> {
  if (!(error instanceof ApiError) || error.code !== 'E_VALIDATION') return {};
  const found: Partial<Record<InputSpec['field'], string>> = {};
  for (const part of error.message.replace(/^invalid \w+: /, '').split('; ')) {
    const [path = '', ...rest] = part.split(': ');
    const field = DRAFT_FIELD[path] ?? DRAFT_FIELD[path.split('.')[0] ?? ''];
    if (field !== undefined && rest.length > 0) found[field] ??= rest.join(': ');
  }
  return found;
}

function ConnectForm({ teamId }: { teamId: number }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [check, setCheck] = useState<Outcome>(undefined);
  const [testing, setTesting] = useState(false);
  const [errors, setErrors] = useState<ReturnType<typeof fieldErrors>>({});
  const { outcome, busy, run } = useOutcome();
  const github = draft.kind === 'github';
  const choose = (kind: Kind) => {
    setDraft({ ...draft, kind });
    setErrors({});
  };

  const test = async () => {
    setTesting(true);
    setCheck(undefined);
    setErrors({});
    try {
      setCheck(await tested(call('integrations.testNew', { params: { teamId }, body: bodyOf(draft) })));
    } catch (error) {
      setErrors(fieldErrors(error));
      setCheck({ kind: 'error', text: messageOf(error) });
    } finally {
      setTesting(false);
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    await run(async () => {
      const body = bodyOf(draft);
      try {
        await call('integrations.create', { params: { teamId }, body });
      } catch (error) {
        setErrors(fieldErrors(error));
        throw error;
      }
      setDraft({ ...EMPTY, kind: draft.kind });
      setCheck(undefined);
      return `${body.name} connected. Start a sync to fetch its data.`;
    });
  };

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="connect-title">
      <h2 id="connect-title">Connect a source</h2>
      <fieldset className="choice">
        <legend>Source</legend>
        <label>
          <input type="radio" name="kind" value="github" checked={github} onChange={() => choose('github')} />
          GitHub repository
        </label>
        <label>
          <input type="radio" name="kind" value="jira" checked={!github} onChange={() => choose('jira')} />
          Jira project
        </label>
      </fieldset>
      <div className="form-grid">
        {[...INPUTS[draft.kind], ...COMMON_INPUTS].map((spec) => (
          <Field key={`${draft.kind}-${spec.field}`} label={spec.label} hint={spec.hint} error={errors[spec.field]}>
            {(control) => (
              <input
                {...spec.input}
                {...control}
                value={draft[spec.field]}
                onChange={(event) => setDraft((d) => ({ ...d, [spec.field]: event.target.value }))}
              />
            )}
          </Field>
        ))}
      </div>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void test()} disabled={testing}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" disabled={busy}>
          Connect
        </button>
      </div>
      <Message outcome={check} />
      <Message outcome={outcome} />
    </form>
  );
}

function IntegrationEditor({ integration }: { integration: Integration }) {
  const [name, setName] = useState(integration.name);
  const [interval, setInterval] = useState(integration.syncIntervalMinutes?.toString() ?? '');
  const [secret, setSecret] = useState('');
  const [check, setCheck] = useState<Outcome>(undefined);
  const { outcome, busy, run } = useOutcome();
  const field = integration.kind === 'github' ? 'token' : 'apiToken';
  const where =
    integration.kind === 'github'
      ? `${String(integration.config.owner)}/${String(integration.config.repo)}`
      : String(integration.config.projectKey);

  // Tests the stored connection, or new credentials in its place.
  const testStored = (body?: TestIntegrationInput) =>
    void tested(call('integrations.test', { params: { integrationId: integration.id }, body })).then(
      setCheck,
      (error) => setCheck({ kind: 'error', text: messageOf(error) }),
    );
  const save = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await call('integrations.update', {
        params: { integrationId: integration.id },
        body: { name, syncIntervalMinutes: interval === '' ? null : Number(interval) },
      });
      return 'Saved.';
    });
  };
  const rotate = async (event: FormEvent) => {
    event.preventDefault();
    setCheck(undefined);
    await run(async () => {
      await call('integrations.update', {
        params: { integrationId: integration.id },
        body: { credentials: { [field]: secret } },
      });
      setSecret('');
      return 'Token replaced. The next sync uses it.';
    });
  };

  return (
    <li className="panel" data-testid="integration-editor" aria-labelledby={`integration-${integration.id}`}>
      <h3 id={`integration-${integration.id}`} className="editor-title">
        <span className={`kind ${integration.kind}`}>{integration.kind === 'github' ? 'GitHub' : 'Jira'}</span>{' '}
        <Link href={`/integrations/${integration.id}`}>{integration.name}</Link> <span className="muted">{where}</span>
      </h3>
      <form className="inline-form" onSubmit={save}>
        <Field label="Name">
          {(control) => (
            <input {...control} value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
          )}
        </Field>
        <Field label="Sync every (minutes)">
          {(control) => (
            <input
              {...control}
              type="number"
              min={5}
              max={10080}
              value={interval}
              onChange={(e) => setInterval(e.target.value)}
              placeholder="manual"
            />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          Save
        </button>
      </form>
      <form className="inline-form" onSubmit={rotate}>
        <Field label={`New ${integration.kind === 'github' ? 'access token' : 'API token'}`}>
          {(control) => <input {...control} {...SECRET} value={secret} onChange={(e) => setSecret(e.target.value)} />}
        </Field>
        <button
          type="button"
          className="secondary"
          disabled={secret === ''}
          onClick={() => testStored({ credentials: { [field]: secret } })}
        >
          Test new token
        </button>
        <button type="submit" disabled={busy}>
          Rotate token
        </button>
      </form>
      <Message outcome={check} />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => testStored()}>
          Test connection
        </button>
        <SyncButton integrationId={integration.id} compact />
        <ConfirmButton
          label="Delete"
          question={`Delete ${integration.name} with its sync history and metrics?`}
          confirmLabel="Delete integration"
          onConfirm={() =>
            void run(async () => {
              await call('integrations.delete', { params: { integrationId: integration.id } });
              return `${integration.name} deleted.`;
            })
          }
        />
      </div>
      <Message outcome={outcome} />
    </li>
  );
}

function TeamIntegrations({ teamId }: { teamId: number }) {
  const integrations = useResource(resources.teamIntegrations(teamId));
  return (
    <>
      <ConnectForm teamId={teamId} />
      <h2>Connected</h2>
      {integrations.error !== undefined && <LoadError error={integrations.error} what="integrations" />}
      {integrations.isLoading && <Loading what="integrations" />}
      {integrations.data && integrations.data.length === 0 && <p className="muted">Nothing connected yet.</p>}
      <ul className="editors">
        {integrations.data?.map((integration) => (
          <IntegrationEditor key={integration.id} integration={integration} />
        ))}
      </ul>
    </>
  );
}

/** See the file comment. */
export function ManageIntegrationsPage() {
  return (
    <section>
      <h1>Integrations</h1>
      <TeamChoice empty="Create a team first (Settings → Teams).">
        {(team) => <TeamIntegrations key={team.id} teamId={team.id} />}
      </TeamChoice>
    </section>
  );
}

/**
 * Settings → Integrations: connect a team to a GitHub repository or a Jira project with a form
 * that explains each field and tests the connection first; then edit, rotate the token, sync or
 * delete (after confirming). Credentials are sent once and never shown again.
 */
import { ConnectionTestSchema, type Integration } from '@agiletrack/domain';
import { type FormEvent, type ReactNode, useState } from 'react';
import { apiJson } from '../app/api.ts';
import { resources } from '../app/resources.ts';
import { useResource } from '../app/use-resource.ts';
import { ConfirmButton, Message, type Outcome, useOutcome } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { LoadError, Loading } from '../components/States.tsx';
import { SyncButton } from '../components/SyncButton.tsx';

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
        kind: 'github',
        name: d.name || `${d.owner}/${d.repo}`,
        config: { owner: d.owner, repo: d.repo, ...(d.baseUrl && { baseUrl: d.baseUrl }) },
        credentials: { token: d.secret },
        ...(d.interval && { syncIntervalMinutes: Number(d.interval) }),
      }
    : {
        kind: 'jira',
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

/** Runs a connection test and turns its answer into a message. */
async function tested(url: string, body?: unknown): Promise<Outcome> {
  const result = ConnectionTestSchema.parse(await apiJson(url, 'POST', body));
  return { kind: result.ok ? 'success' : 'error', text: result.message };
}

function Field({
  label,
  help,
  id,
  children,
}: {
  label: string;
  help: string;
  id: string;
  children: (ids: { id: string; help: string }) => ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, help: `${id}-help` })}
      <span id={`${id}-help`} className="help">
        {help}
      </span>
    </div>
  );
}

function ConnectForm({ teamId }: { teamId: number }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [check, setCheck] = useState<Outcome>(undefined);
  const [testing, setTesting] = useState(false);
  const { outcome, busy, run } = useOutcome();
  const set = (field: keyof Draft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [field]: event.target.value }));
  const github = draft.kind === 'github';

  const test = async () => {
    setTesting(true);
    setCheck(undefined);
    try {
      setCheck(await tested(`/api/teams/${teamId}/integrations/test`, bodyOf(draft)));
    } catch (error) {
      setCheck({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    } finally {
      setTesting(false);
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      const body = bodyOf(draft);
      await apiJson(`/api/teams/${teamId}/integrations`, 'POST', body);
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
          <input
            type="radio"
            name="kind"
            value="github"
            checked={github}
            onChange={() => setDraft({ ...draft, kind: 'github' })}
          />
          GitHub repository
        </label>
        <label>
          <input
            type="radio"
            name="kind"
            value="jira"
            checked={!github}
            onChange={() => setDraft({ ...draft, kind: 'jira' })}
          />
          Jira project
        </label>
      </fieldset>
      <div className="form-grid">
        {github ? (
          <>
            <Field
              id="gh-owner"
              label="Owner"
              help="The user or organisation that owns the repository, as in github.com/OWNER/repo."
            >
              {(p) => (
                <input id={p.id} value={draft.owner} onChange={set('owner')} required aria-describedby={p.help} />
              )}
            </Field>
            <Field id="gh-repo" label="Repository" help="The repository name, as in github.com/owner/REPO.">
              {(p) => <input id={p.id} value={draft.repo} onChange={set('repo')} required aria-describedby={p.help} />}
            </Field>
            <Field
              id="gh-token"
              label="Access token"
              help="A fine-grained token with read access to pull requests and deployments. Stored encrypted, never shown again."
            >
              {(p) => (
                <input
                  id={p.id}
                  type="password"
                  value={draft.secret}
                  onChange={set('secret')}
                  required
                  autoComplete="off"
                  aria-describedby={p.help}
                />
              )}
            </Field>
            <Field
              id="gh-url"
              label="API address (optional)"
              help="Only for GitHub Enterprise: its API URL. Empty means api.github.com."
            >
              {(p) => (
                <input
                  id={p.id}
                  type="url"
                  value={draft.baseUrl}
                  onChange={set('baseUrl')}
                  aria-describedby={p.help}
                  placeholder="https://api.github.com"
                />
              )}
            </Field>
          </>
        ) : (
          <>
            <Field id="jira-url" label="Jira site" help="Your Jira address, e.g. https://yourcompany.atlassian.net.">
              {(p) => (
                <input
                  id={p.id}
                  type="url"
                  value={draft.baseUrl}
                  onChange={set('baseUrl')}
                  required
                  aria-describedby={p.help}
                />
              )}
            </Field>
            <Field id="jira-key" label="Project key" help="The short key in issue names: ENG for ENG-123.">
              {(p) => (
                <input
                  id={p.id}
                  value={draft.projectKey}
                  onChange={set('projectKey')}
                  required
                  aria-describedby={p.help}
                  pattern="[A-Z][A-Z0-9_]*"
                />
              )}
            </Field>
            <Field id="jira-email" label="Account e-mail" help="The Jira account the API token belongs to.">
              {(p) => (
                <input
                  id={p.id}
                  type="email"
                  value={draft.email}
                  onChange={set('email')}
                  required
                  aria-describedby={p.help}
                />
              )}
            </Field>
            <Field
              id="jira-token"
              label="API token"
              help="Created under your Atlassian account's security settings. Stored encrypted, never shown again."
            >
              {(p) => (
                <input
                  id={p.id}
                  type="password"
                  value={draft.secret}
                  onChange={set('secret')}
                  required
                  autoComplete="off"
                  aria-describedby={p.help}
                />
              )}
            </Field>
            <Field
              id="jira-board"
              label="Board id (optional)"
              help="The board whose sprints give velocity: the number in …/boards/42."
            >
              {(p) => (
                <input
                  id={p.id}
                  type="number"
                  min={1}
                  value={draft.boardId}
                  onChange={set('boardId')}
                  aria-describedby={p.help}
                />
              )}
            </Field>
          </>
        )}
        <Field
          id="int-name"
          label="Display name (optional)"
          help="How the dashboard names it. Empty: the repository or project."
        >
          {(p) => (
            <input id={p.id} value={draft.name} onChange={set('name')} maxLength={120} aria-describedby={p.help} />
          )}
        </Field>
        <Field
          id="int-interval"
          label="Sync every (minutes, optional)"
          help="Empty: only when someone presses Sync. At least 5."
        >
          {(p) => (
            <input
              id={p.id}
              type="number"
              min={5}
              max={10080}
              value={draft.interval}
              onChange={set('interval')}
              aria-describedby={p.help}
            />
          )}
        </Field>
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

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await apiJson(`/api/integrations/${integration.id}`, 'PATCH', {
        name,
        syncIntervalMinutes: interval === '' ? null : Number(interval),
      });
      return 'Saved.';
    });
  };
  const rotate = async (event: FormEvent) => {
    event.preventDefault();
    setCheck(undefined);
    await run(async () => {
      await apiJson(`/api/integrations/${integration.id}`, 'PATCH', { credentials: { [field]: secret } });
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
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
        </label>
        <label>
          Sync every (minutes)
          <input
            type="number"
            min={5}
            max={10080}
            value={interval}
            onChange={(e) => setInterval(e.target.value)}
            placeholder="manual"
          />
        </label>
        <button type="submit" disabled={busy}>
          Save
        </button>
      </form>
      <form className="inline-form" onSubmit={rotate}>
        <label>
          New {integration.kind === 'github' ? 'access token' : 'API token'}
          <input
            type="password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            required
            autoComplete="off"
          />
        </label>
        <button
          type="button"
          className="secondary"
          disabled={secret === ''}
          onClick={() =>
            void tested(`/api/integrations/${integration.id}/test`, { credentials: { [field]: secret } }).then(
              setCheck,
              (error) => setCheck({ kind: 'error', text: String(error) }),
            )
          }
        >
          Test new token
        </button>
        <button type="submit" disabled={busy}>
          Rotate token
        </button>
      </form>
      <Message outcome={check} />
      <div className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            void tested(`/api/integrations/${integration.id}/test`).then(setCheck, (error) =>
              setCheck({ kind: 'error', text: String(error) }),
            )
          }
        >
          Test connection
        </button>
        <SyncButton integrationId={integration.id} compact />
        <ConfirmButton
          label="Delete"
          question={`Delete ${integration.name} with its sync history and metrics?`}
          confirmLabel="Delete integration"
          onConfirm={() =>
            void run(async () => {
              await apiJson(`/api/integrations/${integration.id}`, 'DELETE');
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
  const teams = useResource(resources.teams());
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const list = teams.data ?? [];
  const team = list.find((t) => t.id === selected) ?? list[0];
  return (
    <section>
      <h1>Integrations</h1>
      {teams.error !== undefined && <LoadError error={teams.error} what="teams" />}
      {teams.isLoading && <Loading what="teams" />}
      {teams.data && list.length === 0 && <p className="muted">Create a team first (Settings → Teams).</p>}
      {list.length > 0 && (
        <div className="picker">
          <label htmlFor="integration-team-picker">Team</label>
          <select id="integration-team-picker" value={team?.id} onChange={(e) => setSelected(Number(e.target.value))}>
            {list.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {team && <TeamIntegrations key={team.id} teamId={team.id} />}
    </section>
  );
}

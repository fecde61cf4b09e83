/**
 * Settings → Integrations: connect a team to a source with a form rendered from the server's
 * connector list (labels, hints, secret fields, fields that apply to one edition only), with
 * one-click presets such as the demo simulator, tested first; then edit, rotate the token, sync or
 * delete (after confirming). Credentials are sent once and never shown again.
 */
import {
  type ConnectionTest,
  type ConnectorInfo,
  ConnectorListBody,
  type Integration,
  integrationTarget,
  type RouteInput,
  routeUrl,
} from '@agiletrack/domain';
import { type FormEvent, type InputHTMLAttributes, useState } from 'react';
import { call, messageOf } from '../app/api.ts';
import {
  connectBody,
  type FormValues,
  fieldErrors,
  fieldValue,
  secretFields,
  visibleFields,
} from '../app/connector-form.ts';
import { resources } from '../app/resources.ts';
import { useApi } from '../app/use-api.ts';
import { useResource } from '../app/use-resource.ts';
import { Message, type Outcome, useOutcome } from '../components/Feedback.tsx';
import { ConfirmButton, Field } from '../components/Form.tsx';
import { Link } from '../components/Link.tsx';
import { LoadError, Loading } from '../components/States.tsx';
import { SyncButton } from '../components/SyncButton.tsx';
import { TeamChoice } from '../components/TeamChoice.tsx';

/** A webhook secret just issued: shown once, with where to use it. */
interface ShownSecret {
  integrationId: number;
  kind: Integration['kind'];
  secret: string;
}

/** The webhook to set up upstream, with its secret (never shown again). */
function WebhookSecret({ shown }: { shown: ShownSecret }) {
  const route = `webhooks.${shown.kind}` as const;
  const url = `${window.location.origin}${routeUrl(route, { params: { integrationId: shown.integrationId } })}`;
  return (
    <div className="message success" data-testid="webhook-secret">
      <p>
        Webhook (details on the integration's page): URL <code>{url}</code>, content type <code>application/json</code>,
        secret <code>{shown.secret}</code>
      </p>
      <p className="muted small">The secret is shown this once; rotate it to get a new one.</p>
    </div>
  );
}

/** A connect request body as the route table types it (the form builds it from the connector's fields). */
type ConnectBody = RouteInput<'integrations.create'>['body'];

/** Waits for a connection test and turns its answer into a message. */
async function tested(test: Promise<ConnectionTest>): Promise<Outcome> {
  const result = await test;
  return { kind: result.ok ? 'success' : 'error', text: result.message };
}

const SECRET: InputHTMLAttributes<HTMLInputElement> = { type: 'password', autoComplete: 'off' };

/** The input attributes of a connector field. */
function inputOf(field: ConnectorInfo['fields'][number]): InputHTMLAttributes<HTMLInputElement> {
  return {
    ...(field.secret ? SECRET : { type: field.input }),
    required: field.required,
    ...(field.placeholder !== undefined && { placeholder: field.placeholder }),
    ...(field.pattern !== undefined && { pattern: field.pattern }),
    ...(field.input === 'number' && { min: 1 }),
  };
}

const NAME_HINT = 'How the dashboard names it. Empty: the repository or project.';
const INTERVAL_HINT = 'Empty: only when someone presses Sync. At least 5.';

function ConnectForm({ teamId, connectors }: { teamId: number; connectors: readonly ConnectorInfo[] }) {
  const [kind, setKind] = useState(connectors[0]!.kind);
  const [values, setValues] = useState<FormValues>({});
  const [common, setCommon] = useState({ name: '', interval: '' });
  const [check, setCheck] = useState<Outcome>(undefined);
  const [testing, setTesting] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [secret, setSecret] = useState<ShownSecret | undefined>(undefined);
  const { outcome, busy, run } = useOutcome();
  const info = connectors.find((c) => c.kind === kind) ?? connectors[0]!;
  const fields = visibleFields(info, values);
  const choose = (next: ConnectorInfo['kind'], preset: FormValues = {}) => {
    setKind(next);
    setValues(preset);
    setErrors({});
    setCheck(undefined);
  };

  const test = async () => {
    setTesting(true);
    setCheck(undefined);
    setErrors({});
    try {
      const body = connectBody(info, values, common) as ConnectBody;
      setCheck(await tested(call('integrations.testNew', { params: { teamId }, body })));
    } catch (error) {
      setErrors(fieldErrors(error, fields));
      setCheck({ kind: 'error', text: messageOf(error) });
    } finally {
      setTesting(false);
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    await run(async () => {
      const body = connectBody(info, values, common);
      let created: Awaited<ReturnType<typeof call<'integrations.create'>>>;
      try {
        created = await call('integrations.create', { params: { teamId }, body: body as ConnectBody });
      } catch (error) {
        setErrors(fieldErrors(error, fields));
        throw error;
      }
      setValues({});
      setCommon({ name: '', interval: '' });
      setCheck(undefined);
      setSecret({
        integrationId: created.integration.id,
        kind: created.integration.kind,
        secret: created.webhookSecret,
      });
      return `${body.name} connected: its first sync has started.`;
    });
  };
  const presets = connectors.flatMap((c) => c.presets.map((preset) => ({ kind: c.kind, ...preset })));

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="connect-title">
      <h2 id="connect-title">Connect a source</h2>
      <fieldset className="choice">
        <legend>Source</legend>
        {connectors.map((c) => (
          <label key={c.kind}>
            <input type="radio" name="kind" value={c.kind} checked={kind === c.kind} onChange={() => choose(c.kind)} />
            {c.noun}
          </label>
        ))}
      </fieldset>
      {presets.length > 0 && (
        <div className="actions">
          {presets.map((preset) => (
            <button
              key={`${preset.kind}-${preset.label}`}
              type="button"
              className="secondary"
              onClick={() => choose(preset.kind, preset.values)}
            >
              Use {preset.label}
            </button>
          ))}
        </div>
      )}
      <div className="form-grid">
        {fields.map((field) => (
          <Field key={`${kind}-${field.path}`} label={field.label} hint={field.hint} error={errors[field.path]}>
            {(control) =>
              field.input === 'select' ? (
                <select
                  {...control}
                  value={fieldValue(field, values)}
                  onChange={(event) => setValues((v) => ({ ...v, [field.path]: event.target.value }))}
                >
                  {field.options?.map((option) => (
                    <option key={option.value} value={option.value}>
                      {option.label}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  {...inputOf(field)}
                  {...control}
                  value={fieldValue(field, values)}
                  onChange={(event) => setValues((v) => ({ ...v, [field.path]: event.target.value }))}
                />
              )
            }
          </Field>
        ))}
        <Field label="Display name (optional)" hint={NAME_HINT} error={errors.name}>
          {(control) => (
            <input
              {...control}
              maxLength={120}
              value={common.name}
              onChange={(event) => setCommon((c) => ({ ...c, name: event.target.value }))}
            />
          )}
        </Field>
        <Field label="Sync every (minutes, optional)" hint={INTERVAL_HINT} error={errors.syncIntervalMinutes}>
          {(control) => (
            <input
              {...control}
              type="number"
              min={5}
              max={10080}
              value={common.interval}
              onChange={(event) => setCommon((c) => ({ ...c, interval: event.target.value }))}
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
      {secret && <WebhookSecret shown={secret} />}
    </form>
  );
}

function IntegrationEditor({ integration, info }: { integration: Integration; info: ConnectorInfo | undefined }) {
  const [name, setName] = useState(integration.name);
  const [interval, setInterval] = useState(integration.syncIntervalMinutes?.toString() ?? '');
  const [secret, setSecret] = useState('');
  const [check, setCheck] = useState<Outcome>(undefined);
  const [rotated, setRotated] = useState<ShownSecret | undefined>(undefined);
  const { outcome, busy, run } = useOutcome();
  // The credential to rotate: the secret field that applies to this integration's settings.
  const secretField = info ? secretFields(info, integration.config)[0] : undefined;
  const field = secretField?.path.replace(/^credentials\./, '') ?? 'token';
  const secretLabel = secretField?.label.toLowerCase() ?? 'token';
  const where = integrationTarget(integration);

  // Tests the stored connection, or new credentials in its place.
  const testStored = (body?: RouteInput<'integrations.test'>['body']) =>
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
        <span className={`kind ${integration.kind}`}>{info?.label ?? integration.kind}</span>{' '}
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
        <Field label={`New ${secretLabel}`}>
          {(control) => (
            <input {...control} {...SECRET} required value={secret} onChange={(e) => setSecret(e.target.value)} />
          )}
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
        <button
          type="button"
          className="secondary"
          onClick={() =>
            void run(async () => {
              const issued = await call('integrations.webhookSecret', { params: { integrationId: integration.id } });
              setRotated({ integrationId: integration.id, kind: integration.kind, secret: issued.secret });
              return 'New webhook secret issued: update it upstream.';
            })
          }
        >
          Rotate webhook secret
        </button>
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
      {rotated && <WebhookSecret shown={rotated} />}
    </li>
  );
}

function TeamIntegrations({ teamId }: { teamId: number }) {
  const integrations = useResource(resources.teamIntegrations(teamId));
  const connectors = useApi(routeUrl('integrations.connectors'), ConnectorListBody);
  const list = connectors.data?.connectors ?? [];
  return (
    <>
      {connectors.error !== undefined && <LoadError error={connectors.error} what="sources" />}
      {list.length > 0 && <ConnectForm teamId={teamId} connectors={list} />}
      <h2>Connected</h2>
      {integrations.error !== undefined && <LoadError error={integrations.error} what="integrations" />}
      {integrations.isLoading && <Loading what="integrations" />}
      {integrations.data && integrations.data.length === 0 && <p className="muted">Nothing connected yet.</p>}
      <ul className="editors">
        {integrations.data?.map((integration) => (
          <IntegrationEditor
            key={integration.id}
            integration={integration}
            info={list.find((c) => c.kind === integration.kind)}
          />
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

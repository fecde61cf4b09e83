/** Admin → Audit log: every change, newest first, filtered by kind of entity or action. */
import {
  type AuditEntity as AuditEntitySchema,
  type AuditEntry,
  AuditPage as AuditPageSchema,
  routeUrl,
} from '@agiletrack/domain';
import { useState } from 'react';
import type { z } from 'zod';
import { formatAgo } from '../app/format.ts';
import { usePagedApi } from '../app/use-api.ts';
import { LoadError, Loading } from '../components/States.tsx';

type AuditEntity = z.output<typeof AuditEntitySchema>;

const ENTITIES = ['user', 'team', 'team_member', 'integration', 'api_token'] as const;

const describe = (fields: Record<string, unknown> | null): string =>
  fields === null
    ? ''
    : Object.entries(fields)
        .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(', ');

function Change({ entry }: { entry: AuditEntry }) {
  if (!entry.before && !entry.after) return <span className="muted">—</span>;
  return (
    <dl className="change">
      {entry.before && (
        <>
          <dt>before</dt>
          <dd>{describe(entry.before)}</dd>
        </>
      )}
      {entry.after && (
        <>
          <dt>after</dt>
          <dd>{describe(entry.after)}</dd>
        </>
      )}
    </dl>
  );
}

/** See the file comment. */
export function AuditPage() {
  const [entity, setEntity] = useState<AuditEntity | ''>('');
  const [action, setAction] = useState('');
  const url = routeUrl('audit.list', { query: { limit: 50, entity: entity || undefined, action } });
  const list = usePagedApi(url, AuditPageSchema, (body) => ({
    items: body.entries,
    nextCursor: body.nextCursor,
  }));

  return (
    <section>
      <h1>Audit log</h1>
      <p className="muted">
        Every change made in AgileTrack: who, when, from where, and what it changed. Secrets are never logged.
      </p>
      <form className="inline-form" onSubmit={(event) => event.preventDefault()} aria-label="Filter the audit log">
        <label>
          What
          <select aria-label="What" value={entity} onChange={(e) => setEntity(e.target.value as AuditEntity | '')}>
            <option value="">everything</option>
            {ENTITIES.map((name) => (
              <option key={name} value={name}>
                {name.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action
          <input
            value={action}
            onChange={(e) => setAction(e.target.value.trim())}
            placeholder="e.g. team.create"
            aria-describedby="action-help"
          />
          <span id="action-help" className="help">
            An exact action name, such as integration.delete.
          </span>
        </label>
      </form>
      {list.error !== undefined && <LoadError error={list.error} what="audit log" />}
      {list.loading && list.items.length === 0 && <Loading what="the audit log" />}
      {!list.loading && list.items.length === 0 && list.error === undefined && (
        <p className="muted">Nothing recorded yet.</p>
      )}
      {list.items.length > 0 && (
        <div className="table-scroll">
          <table className="table stack" data-testid="audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Entity</th>
                <th scope="col">Change</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((entry) => (
                <tr key={entry.id}>
                  <td data-label="When" title={entry.at}>
                    {formatAgo(entry.at)}
                  </td>
                  <td data-label="Who">{entry.actorEmail ?? 'system'}</td>
                  <td data-label="Action">
                    <code>{entry.action}</code>
                  </td>
                  <td data-label="Entity">
                    {entry.entity.replace('_', ' ')} {entry.entityId}
                  </td>
                  <td data-label="Change">
                    <Change entry={entry} />
                  </td>
                  <td data-label="From">{entry.address ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.more && (
        <button type="button" className="secondary" onClick={() => void list.loadMore()}>
          Show older
        </button>
      )}
    </section>
  );
}

/**
 * A team's goals ("working agreements"): each with its current value, status and recent history; a
 * form to set one; where breaches are posted (a Slack-compatible webhook, written and never shown
 * again). The list follows the event stream: an evaluation that changes a goal reloads it, and a new
 * breach is announced on the page.
 */
import { formatMetric, type Goal, isMetricName, METRIC_NAMES, METRICS, type MetricName } from '@agiletrack/domain';
import { type FormEvent, useEffect, useState } from 'react';
import { call, messageOf } from '../app/api.ts';
import { formatDate } from '../app/format.ts';
import { lastEvent } from '../app/live.ts';
import { useStore } from '../app/store.ts';

const label = (name: string) => (isMetricName(name) ? METRICS[name].label : name);
const shown = (metric: string, value: number | null) =>
  isMetricName(metric) && value !== null ? formatMetric(metric, value) : '—';
const describe = (goal: Goal) =>
  `${label(goal.metric)} ${goal.comparator === 'atMost' ? '≤' : '≥'} ${shown(goal.metric, goal.threshold)}`;

/** Metrics a goal may be set on: the numbers on cards and their p85s (not the counts behind them). */
const GOAL_METRICS = METRIC_NAMES.filter((name) => METRICS[name].unit !== 'count' || METRICS[name].headline);

/** See the file comment. */
export function GoalsPanel({ teamId, windowDays }: { teamId: number; windowDays: number }) {
  const [goals, setGoals] = useState<Goal[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [breach, setBreach] = useState<string | undefined>();
  const event = useStore(lastEvent);

  const load = async (announce: boolean) => {
    try {
      const body = await call('metrics.goals', { params: { teamId } });
      setGoals((old) => {
        if (announce && old) {
          const newly = body.goals.filter(
            (g) => g.status === 'breached' && old.find((o) => o.id === g.id)?.status !== 'breached',
          );
          if (newly.length > 0)
            setBreach(newly.map((g) => `${describe(g)}: now ${shown(g.metric, g.value)}`).join('; '));
        }
        return body.goals;
      });
      setError(undefined);
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the team changes.
  useEffect(() => {
    void load(false);
  }, [teamId]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload on this team's goal events only.
  useEffect(() => {
    if (event?.type === 'team.goals' && event.teamId === String(teamId)) void load(true);
  }, [event?.seq]);

  return (
    <div className="panel-inner" data-testid="goals">
      <h3>Goals</h3>
      {breach !== undefined && (
        <p className="error" role="alert" data-testid="goal-breach">
          Goal breached: {breach}
        </p>
      )}
      {error !== undefined && <p className="error">{error}</p>}
      {goals && goals.length === 0 && <p className="muted">No goals yet: set one below.</p>}
      {goals && goals.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Goal</th>
              <th className="num">Now</th>
              <th>Status</th>
              <th>History (newest first)</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {goals.map((goal) => (
              <tr key={goal.id} data-testid="goal" data-status={goal.status}>
                <td>
                  {describe(goal)} <span className="muted small">({goal.windowDays} days)</span>
                </td>
                <td className="num">{shown(goal.metric, goal.value)}</td>
                <td>
                  <span className={`goal-status goal-${goal.status}`}>{goal.status}</span>
                </td>
                <td className="small">
                  {goal.history.slice(0, 5).map((h) => (
                    <span key={h.at} title={formatDate(h.at)} className={`goal-status goal-${h.status}`}>
                      {shown(goal.metric, h.value)}
                    </span>
                  ))}
                </td>
                <td className="right">
                  <button
                    type="button"
                    onClick={() =>
                      void call('metrics.goalDelete', { params: { goalId: goal.id } }).then(
                        () => load(false),
                        (failure) => setError(messageOf(failure)),
                      )
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <GoalForm teamId={teamId} windowDays={windowDays} onSet={() => void load(false)} />
      <WebhookForm teamId={teamId} />
    </div>
  );
}

/** Sets a goal; thresholds are typed in the metric's unit (hours, per week, %). */
function GoalForm({ teamId, windowDays, onSet }: { teamId: number; windowDays: number; onSet: () => void }) {
  const [metric, setMetric] = useState<MetricName>('cyclePickupP85Hours');
  const [comparator, setComparator] = useState<'atMost' | 'atLeast'>('atMost');
  const [threshold, setThreshold] = useState('24');
  const [error, setError] = useState<string | undefined>();
  const ratio = METRICS[metric].unit === 'ratio';
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const value = Number(threshold);
      await call('metrics.goalCreate', {
        params: { teamId },
        body: { metric, comparator, threshold: ratio ? value / 100 : value, windowDays },
      });
      setError(undefined);
      onSet();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  return (
    <form className="inline-form" onSubmit={(event) => void submit(event)} data-testid="goal-form">
      <select aria-label="Metric" value={metric} onChange={(e) => setMetric(e.target.value as MetricName)}>
        {GOAL_METRICS.map((name) => (
          <option key={name} value={name}>
            {METRICS[name].label}
          </option>
        ))}
      </select>{' '}
      <select
        aria-label="Comparison"
        value={comparator}
        onChange={(e) => setComparator(e.target.value as 'atMost' | 'atLeast')}
      >
        <option value="atMost">at most</option>
        <option value="atLeast">at least</option>
      </select>{' '}
      <input
        aria-label="Threshold"
        inputMode="decimal"
        value={threshold}
        onChange={(e) => setThreshold(e.target.value)}
        size={6}
      />{' '}
      <span className="muted">
        {
          { hours: 'h', perWeek: '/ week', ratio: '%', count: '', points: 'points', lines: 'lines' }[
            METRICS[metric].unit
          ]
        }{' '}
        over {windowDays} days
      </span>{' '}
      <button type="submit">Set goal</button>
      {error !== undefined && <p className="error">{error}</p>}
    </form>
  );
}

/** Where breaches are posted: set or remove; the address is never shown back. */
function WebhookForm({ teamId }: { teamId: number }) {
  const [state, setState] = useState<{ configured: boolean; failure: string | null } | undefined>();
  const [url, setUrl] = useState('');
  const [error, setError] = useState<string | undefined>();
  const apply = (n: { webhookConfigured: boolean; lastFailure: { at: string; error: string } | null }) =>
    setState({
      configured: n.webhookConfigured,
      failure: n.lastFailure && `${n.lastFailure.error} (${formatDate(n.lastFailure.at)})`,
    });
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the team changes.
  useEffect(() => {
    void call('metrics.notifications', { params: { teamId } }).then(
      (body) => apply(body.notifications),
      (failure) => setError(messageOf(failure)),
    );
  }, [teamId]);
  const save = async (webhookUrl: string | null) => {
    try {
      const body = await call('metrics.notificationsUpdate', { params: { teamId }, body: { webhookUrl } });
      apply(body.notifications);
      setUrl('');
      setError(undefined);
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  return (
    <form
      className="inline-form"
      data-testid="webhook-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save(url);
      }}
    >
      <span data-testid="webhook-state">
        Breaches are posted to {state?.configured ? 'the team’s webhook' : 'no webhook yet'}
      </span>
      {state?.failure && <span className="error small"> · last delivery failed: {state.failure}</span>}{' '}
      <input
        type="password"
        autoComplete="off"
        aria-label="Incoming webhook URL"
        placeholder="https://hooks.slack.com/services/…"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        size={40}
      />{' '}
      <button type="submit" disabled={url === ''}>
        Save webhook
      </button>
      {state?.configured && (
        <button type="button" onClick={() => void save(null)}>
          Remove
        </button>
      )}
      {error !== undefined && <p className="error">{error}</p>}
    </form>
  );
}

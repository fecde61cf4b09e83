/**
 * Goals ("working agreements"): a team's target on a metric over a window ("pickup p85 ≤ 24 h",
 * "deployments ≥ 5 per week"). A goal is evaluated against the team's card of that window (the
 * cached `team_{id}_metrics`, so the same number the page shows) when it is set and after every sync
 * or webhook update of the team; each change of value or status is kept as its history. A goal that
 * becomes breached is pushed to the team's open dashboards (`team.goals` on the event stream) and
 * posted to the team's webhook when one is set (`notifier.ts`).
 */
import { type Goal, isMetricName, METRICS, type WithDates } from '@agiletrack/domain';
import { desc, eq, inArray } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { goalEvaluations, goals } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { type Actor, recordAudit, SYSTEM_ACTOR } from './audit.ts';
import type { Invalidator } from './invalidation.ts';
import type { MetricsService } from './metrics.ts';
import type { Notifier } from './notifier.ts';
import { inTransaction } from './read-options.ts';

/** A goal as the API answers it. */
export type GoalView = WithDates<Goal>;

type GoalRow = typeof goals.$inferSelect;
type Status = GoalRow['status'];

const HISTORY = 30;

/** Where a value stands against a goal. */
export function statusOf(row: Pick<GoalRow, 'comparator' | 'threshold'>, value: number | null | undefined): Status {
  if (value === null || value === undefined) return 'unknown';
  return (row.comparator === 'atMost' ? value <= row.threshold : value >= row.threshold) ? 'met' : 'breached';
}

/** See the file comment. */
export class GoalService {
  constructor(
    readonly db: AppDb,
    readonly metrics: MetricsService,
    readonly invalidator: Invalidator,
    readonly notifier: Notifier,
    readonly now: () => number = Date.now,
  ) {}

  /** A team's goals with their histories, oldest goal first. */
  async list(teamId: number): Promise<GoalView[]> {
    const rows = await this.db.select().from(goals).where(eq(goals.teamId, teamId)).orderBy(goals.id);
    return this.#views(rows);
  }

  /** One goal (404 when there is none), for the access check of its routes. */
  async get(goalId: number | null): Promise<GoalRow> {
    if (goalId === null) throw notFound('goal');
    const [row] = await this.db.select().from(goals).where(eq(goals.id, goalId));
    if (!row) throw notFound('goal');
    return row;
  }

  /** Sets a goal and evaluates it at once. */
  async create(
    teamId: number,
    input: { metric: string; comparator: 'atMost' | 'atLeast'; threshold: number; windowDays?: number | undefined },
    defaultWindow: number,
    actor: Actor = SYSTEM_ACTOR,
  ): Promise<GoalView> {
    const row = await inTransaction(this.db, async (tx) => {
      const [inserted] = await tx
        .insert(goals)
        .values({ teamId, ...input, windowDays: input.windowDays ?? defaultWindow })
        .returning();
      await recordAudit(tx, actor, {
        action: 'goal.create',
        entity: 'team',
        entityId: teamId,
        after: { goalId: inserted!.id, metric: input.metric, comparator: input.comparator, threshold: input.threshold },
      });
      return inserted!;
    });
    await this.evaluate(teamId);
    return (await this.#views([await this.get(row.id)]))[0]!;
  }

  /** Changes a goal; its status is evaluated again. */
  async update(
    row: GoalRow,
    patch: {
      metric?: string | undefined;
      comparator?: 'atMost' | 'atLeast' | undefined;
      threshold?: number | undefined;
      windowDays?: number | undefined;
    },
    actor: Actor = SYSTEM_ACTOR,
  ): Promise<GoalView> {
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    await inTransaction(this.db, async (tx) => {
      await tx
        .update(goals)
        .set({ ...changes, status: 'unknown', updatedAt: new Date(this.now()) })
        .where(eq(goals.id, row.id));
      await recordAudit(tx, actor, {
        action: 'goal.update',
        entity: 'team',
        entityId: row.teamId,
        before: { goalId: row.id, metric: row.metric, comparator: row.comparator, threshold: row.threshold },
        after: { goalId: row.id, ...changes },
      });
    });
    await this.evaluate(row.teamId);
    return (await this.#views([await this.get(row.id)]))[0]!;
  }

  /** Removes a goal. */
  async remove(row: GoalRow, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await tx.delete(goals).where(eq(goals.id, row.id));
      await recordAudit(tx, actor, {
        action: 'goal.delete',
        entity: 'team',
        entityId: row.teamId,
        before: { goalId: row.id, metric: row.metric, comparator: row.comparator, threshold: row.threshold },
      });
    });
    await this.invalidator.after({ type: 'team.goals', teamId: row.teamId });
  }

  /**
   * Evaluates every goal of a team against its current cards; records what changed, tells open
   * dashboards, and posts each new breach. Returns the goals that became breached.
   */
  async evaluate(teamId: number): Promise<GoalRow[]> {
    const rows = await this.db.select().from(goals).where(eq(goals.teamId, teamId));
    if (rows.length === 0) return [];
    const windows = [...new Set(rows.map((r) => r.windowDays))];
    const cards = new Map(
      await Promise.all(
        windows.map(async (w) => [w, (await this.metrics.teamMetrics(teamId, { windowDays: w })).rollup] as const),
      ),
    );
    const at = new Date(this.now());
    const changed: { row: GoalRow; value: number | null; status: Status }[] = [];
    for (const row of rows) {
      const value = cards.get(row.windowDays)?.[row.metric] ?? null;
      const status = statusOf(row, value);
      if (status !== row.status || value !== row.value || row.evaluatedAt === null)
        changed.push({ row, value, status });
    }
    if (changed.length === 0) return [];
    await inTransaction(this.db, async (tx) => {
      for (const { row, value, status } of changed) {
        await tx.update(goals).set({ value, status, evaluatedAt: at }).where(eq(goals.id, row.id));
      }
      await tx
        .insert(goalEvaluations)
        .values(changed.map(({ row, value, status }) => ({ goalId: row.id, evaluatedAt: at, value, status })));
    });
    const breached = changed.filter((c) => c.status === 'breached' && c.row.status !== 'breached');
    await this.invalidator.after({ type: 'team.goals', teamId });
    for (const { row, value } of breached) await this.notifier.goalBreached(teamId, row, value);
    return breached.map((c) => c.row);
  }

  async #views(rows: readonly GoalRow[]): Promise<GoalView[]> {
    if (rows.length === 0) return [];
    const history = await this.db
      .select()
      .from(goalEvaluations)
      .where(
        inArray(
          goalEvaluations.goalId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(desc(goalEvaluations.evaluatedAt), desc(goalEvaluations.id));
    return rows.map((row) => ({
      id: row.id,
      teamId: row.teamId,
      metric: row.metric,
      comparator: row.comparator,
      threshold: row.threshold,
      windowDays: row.windowDays,
      status: row.status,
      value: row.value,
      evaluatedAt: row.evaluatedAt,
      history: history
        .filter((h) => h.goalId === row.id)
        .slice(0, HISTORY)
        .map((h) => ({ at: h.evaluatedAt, value: h.value, status: h.status })),
      createdAt: row.createdAt,
    }));
  }
}

/** Validation a goal's metric and threshold need beyond the body's shape. */
export function checkGoal(metric: string | undefined, threshold: number | undefined): void {
  if (
    metric !== undefined &&
    isMetricName(metric) &&
    METRICS[metric].unit === 'ratio' &&
    threshold !== undefined &&
    threshold > 1
  )
    throw new AppError('E_VALIDATION', 'threshold: a ratio goal is between 0 and 1 (0.15 for 15 %)');
}

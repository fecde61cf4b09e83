/**
 * Goals and their notifications (route ids in the metrics group): a team's goals with status and
 * history, set / change / remove one, the team's webhook (written, never read back), and the failed
 * deliveries admins see.
 */
import { DEFAULT_METRIC_WINDOW } from '@agiletrack/domain';
import { checkGoal } from '../../services/goals.ts';
import type { AppDeps } from '../deps.ts';
import { actorOf, teamOf } from '../guards.ts';
import type { HandlersOf } from '../routing.ts';

type GoalHandlers = Pick<
  HandlersOf<'metrics'>,
  | 'metrics.goals'
  | 'metrics.goalCreate'
  | 'metrics.goalUpdate'
  | 'metrics.goalDelete'
  | 'metrics.notifications'
  | 'metrics.notificationsUpdate'
  | 'metrics.notificationFailures'
>;

/** See the file comment. */
export function goalRoutes(deps: AppDeps): GoalHandlers {
  const { goals, teams } = deps;
  // A goal's routes check its team like the team's own routes (403 for another team's goal).
  const goalOf = async (principal: Parameters<typeof teamOf>[0], goalId: number | null) => {
    const row = await goals.get(goalId);
    teamOf(principal, row.teamId);
    return row;
  };
  return {
    'metrics.goals': async ({ principal, params }) => {
      const teamId = teamOf(principal, params.teamId);
      await teams.getTeam(teamId);
      return { goals: await goals.list(teamId) };
    },

    'metrics.goalCreate': async ({ request, principal, params, body }) => {
      const teamId = teamOf(principal, params.teamId);
      await teams.getTeam(teamId);
      checkGoal(body.metric, body.threshold);
      return { goal: await goals.create(teamId, body, DEFAULT_METRIC_WINDOW, actorOf(request)) };
    },

    'metrics.goalUpdate': async ({ request, principal, params, body }) => {
      const row = await goalOf(principal, params.goalId);
      checkGoal(body.metric ?? row.metric, body.threshold ?? row.threshold);
      return { goal: await goals.update(row, body, actorOf(request)) };
    },

    'metrics.goalDelete': async ({ request, principal, params }) => {
      await goals.remove(await goalOf(principal, params.goalId), actorOf(request));
    },

    'metrics.notifications': async ({ principal, params }) => {
      const teamId = teamOf(principal, params.teamId);
      await teams.getTeam(teamId);
      return { notifications: await goals.notifier.settings(teamId) };
    },

    'metrics.notificationsUpdate': async ({ request, principal, params, body }) => {
      const teamId = teamOf(principal, params.teamId);
      await teams.getTeam(teamId);
      return { notifications: await goals.notifier.setWebhook(teamId, body.webhookUrl, actorOf(request)) };
    },

    'metrics.notificationFailures': async () => ({ failures: await goals.notifier.failures() }),
  };
}

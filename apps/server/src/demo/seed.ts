/**
 * Demo data for `npm start`: an admin, two members, three teams, a GitHub and a Jira integration
 * each (their numbers come from the first sync). Runs only on an empty database. The demo's passwords
 * are generated for each new database (returned once to be printed, stored only as hashes),
 * unless fixed ones are asked for (tests, screenshots).
 */
import { randomBytes } from 'node:crypto';
import { count } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { users } from '../db/schema.ts';
import type { Accounts } from '../services/accounts.ts';
import type { IntegrationService } from '../services/integrations.ts';
import type { TeamService } from '../services/teams.ts';

/** The demo accounts; these passwords are used only with `DEMO_PASSWORDS=fixed`. */
export const DEMO_USERS = [
  { email: 'admin@agiletrack.demo', name: 'Ada Admin', password: 'demo-admin-pass', role: 'admin' as const },
  { email: 'maya@agiletrack.demo', name: 'Maya Member', password: 'demo-member-pass', role: 'member' as const },
  { email: 'omar@agiletrack.demo', name: 'Omar Member', password: 'demo-member-pass', role: 'member' as const },
];

const TEAMS = [
  { name: 'Platform', description: 'APIs, infrastructure and the build pipeline', members: [1] },
  { name: 'Mobile', description: 'iOS and Android apps', members: [1, 2] },
  { name: 'Data', description: 'Pipelines and reporting', members: [2] },
];

/** Where a demo team's integrations sync from (a repository and a Jira project of the simulator). */
export interface DemoSource {
  github: { owner: string; repo: string; token: string };
  jira: { projectKey: string; boardId: number; email: string; apiToken: string };
}

/** One demo login, as printed at the first start. */
export interface DemoLogin {
  email: string;
  password: string;
  role: 'admin' | 'member';
}

/** Seeds the demo when the database has no users; returns the logins it created (undefined: already seeded). */
export async function seedDemo(options: {
  db: AppDb;
  accounts: Accounts;
  teams: TeamService;
  integrations: IntegrationService;
  simulatorUrl: string;
  sources: readonly DemoSource[];
  /** `generated` (default): fresh passwords for this database; `fixed`: the ones in DEMO_USERS. */
  passwords?: 'generated' | 'fixed';
}): Promise<DemoLogin[] | undefined> {
  const { db, accounts, teams, integrations, simulatorUrl, sources } = options;
  const [{ value: userCount } = { value: 0 }] = await db.select({ value: count() }).from(users);
  if (userCount > 0) return undefined;

  const logins: DemoLogin[] = DEMO_USERS.map((user) => ({
    email: user.email,
    role: user.role,
    password: options.passwords === 'fixed' ? user.password : randomBytes(12).toString('base64url'),
  }));
  const userIds: number[] = [];
  for (const [i, user] of DEMO_USERS.entries()) userIds.push(await accounts.createUser({ ...user, ...logins[i]! }));

  for (const [index, spec] of TEAMS.entries()) {
    const team = await teams.createTeam({
      name: spec.name,
      description: spec.description,
      memberIds: spec.members.map((i) => userIds[i]!),
    });
    const source = sources[index % sources.length]!;
    await integrations.createIntegration(team.id, {
      kind: 'github',
      name: `${spec.name}: ${source.github.owner}/${source.github.repo}`,
      config: { owner: source.github.owner, repo: source.github.repo, baseUrl: simulatorUrl },
      credentials: { token: source.github.token },
      syncIntervalMinutes: 60,
    });
    await integrations.createIntegration(team.id, {
      kind: 'jira',
      name: `${spec.name}: ${source.jira.projectKey} board`,
      config: {
        baseUrl: simulatorUrl,
        projectKey: source.jira.projectKey,
        boardId: source.jira.boardId,
        email: source.jira.email,
      },
      credentials: { apiToken: source.jira.apiToken },
      syncIntervalMinutes: 60,
    });
  }
  return logins;
}

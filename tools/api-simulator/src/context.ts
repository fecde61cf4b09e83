/** What the route modules share: the data, the limits and the clock of one simulator. */
import type { Dataset } from './dataset/dataset.ts';
import type { JiraLook } from './jira/format.ts';
import type { Random } from './random.ts';
import type { WindowLimiter } from './rate-limit.ts';

/** State shared by every route of one simulator. */
export interface SimContext {
  dataset: Dataset;
  now: () => number;
  github: {
    tokens: ReadonlySet<string>;
    primary: WindowLimiter;
    secondary: WindowLimiter | undefined;
    graphql: {
      primary: WindowLimiter;
      secondary: WindowLimiter;
      badGateway: { minNodes: number; probability: number } | undefined;
      random: Random;
    };
  };
  jira: {
    /** `email:apiToken` → email, for HTTP Basic checks. */
    credentials: ReadonlyMap<string, string>;
    /** Personal access token → account, for `Bearer` checks (Jira Server / Data Center). */
    personalAccessTokens: ReadonlyMap<string, string>;
    limiter: WindowLimiter;
    look: JiraLook;
  };
}

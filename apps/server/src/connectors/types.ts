/** What the connectors produce: work items in one shape for every source, fetched incrementally. */

/** The kinds of stored work items. */
export type WorkItemKind = 'pull_request' | 'issue' | 'deployment' | 'sprint' | 'incident';

/** One normalised work item (a row of `work_items`). */
export interface WorkItemInput {
  kind: WorkItemKind;
  externalId: string;
  title: string;
  /**
   * Pull requests: `open`, `closed`, `merged`; issues: the status category `todo`,
   * `in_progress`, `done`; deployments: the latest status (`success`, `failure`, …).
   */
  state: string;
  createdAt: Date;
  startedAt: Date | null;
  firstReviewAt: Date | null;
  finishedAt: Date | null;
  storyPoints: number | null;
  sprint: string | null;
  /** Source details: `updatedAt` (as the source wrote it), `url`, and per-kind extras. */
  data: Record<string, unknown>;
}

/** What is stored for one item, so a connector can skip what has not changed. */
export interface KnownItem {
  state: string;
  /** The source's `updated_at` when the item was stored. */
  updatedAt: string | null;
  createdAt: Date;
}

/** What a connector knows before it starts. */
export interface SyncContext {
  /** Refetch everything, ignoring the cursor and the stored items. */
  full: boolean;
  /** The cursor the last successful sync returned (null before the first). */
  cursor: Record<string, unknown> | null;
  /** The stored items of one kind, by external id. */
  known(kind: WorkItemKind): Promise<ReadonlyMap<string, KnownItem>>;
  /** On a full sync: saving page by page, so a killed or failed one resumes where it stopped. */
  backfill?: Backfill;
  /** The sync's clock (epoch ms). */
  now?: number;
}

/** A full fetch that saves as it goes. */
export interface Backfill {
  /** Where the last attempt of this backfill stopped (null on a fresh start). */
  readonly state: Record<string, unknown> | null;
  /** Stores items read so far and where the fetch stands, in one transaction. */
  save(items: readonly WorkItemInput[], state: Record<string, unknown>): Promise<void>;
  /** Everything since `historyFrom` is stored: the sync may publish partial metrics now. */
  windowComplete(historyFrom: Date): Promise<void>;
}

/** An item that no longer exists upstream. */
export interface DeletedItem {
  kind: WorkItemKind;
  externalId: string;
}

/** A connector's result. */
export interface FetchResult {
  /** New and changed items (every item on a full sync). */
  items: WorkItemInput[];
  /** Items known to be gone upstream. */
  deleted: DeletedItem[];
  /** True when `items` is the complete set: anything stored and not in it is gone. */
  complete: boolean;
  /** Where the next incremental sync starts. */
  cursor: Record<string, unknown>;
  /** The items were saved through the backfill as they were read (`items` holds none). */
  saved?: boolean;
  /** How many items the backfill saved (with `saved`). */
  savedCount?: number;
}

/** Reports how far a fetch got. */
export type Progress = (step: string, done: number, total?: number) => void;

/** What the metrics read of a work item (defined with the metrics). */
export type { MetricItem } from '../metrics/stats.ts';

/** Where a connector's requests go and how they authenticate. */
export interface ClientSettings {
  /** Origin and path prefix; the credentials never leave this origin. */
  baseUrl: string;
  headers: Record<string, string>;
  /** Who answers, in failure messages (`GitHub`, `Jira`). */
  source: string;
  /** What a 404 means for this source, in failure messages. */
  notFound: string;
}

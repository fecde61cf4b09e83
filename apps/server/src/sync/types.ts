/** What the connectors produce: work items in one shape for every source. */

/** One normalised work item (a row of `work_items`). */
export interface WorkItemInput {
  kind: 'pull_request' | 'issue' | 'deployment' | 'sprint';
  externalId: string;
  title: string;
  state: string;
  createdAt: Date;
  startedAt: Date | null;
  firstReviewAt: Date | null;
  finishedAt: Date | null;
  storyPoints: number | null;
  sprint: string | null;
  data: Record<string, unknown>;
}

/** A connector's result: the items, and whether any response changed since the last sync. */
export interface FetchResult {
  items: WorkItemInput[];
  changed: boolean;
}

/** Reports how far a fetch got. */
export type Progress = (step: string, done: number, total?: number) => void;

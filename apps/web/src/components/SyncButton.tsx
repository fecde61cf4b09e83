/**
 * Starts a sync (`POST /api/integrations/:id/sync` → 202 `{jobId}`) and follows the job
 * (`GET /api/jobs/:jobId`) until it ends, showing its progress. The fresh metrics arrive through
 * the event stream; what is on screen is also revalidated at the end in case the stream is down.
 */

import type { Job } from '@agiletrack/domain';
import { useEffect, useRef, useState } from 'react';
import { call, messageOf } from '../app/api.ts';
import { reloadOnScreen } from '../app/loader.ts';

const POLL_MS = 500;

/** A short description of a job's progress. */
function describeProgress(job: Job): { text: string; ratio: number | undefined } {
  if (job.state === 'completed') return { text: 'done', ratio: 1 };
  if (job.state === 'failed') return { text: job.failedReason ?? 'failed', ratio: undefined };
  const progress = job.progress;
  if (typeof progress === 'number') return { text: `${Math.round(progress)} %`, ratio: progress / 100 };
  const step = typeof progress.step === 'string' ? progress.step : job.state;
  const done = typeof progress.done === 'number' ? progress.done : undefined;
  const total = typeof progress.total === 'number' ? progress.total : undefined;
  const counts = done === undefined ? '' : total === undefined ? ` (${done})` : ` (${done}/${total})`;
  return { text: `${step}${counts}`, ratio: done !== undefined && total ? Math.min(1, done / total) : undefined };
}

/** See the file comment. */
export function SyncButton({ integrationId, compact = false }: { integrationId: number; compact?: boolean }) {
  const [job, setJob] = useState<Job | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [running, setRunning] = useState(false);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const start = async () => {
    setRunning(true);
    setError(undefined);
    setJob(undefined);
    try {
      const { jobId } = await call('integrations.sync', { params: { integrationId } });
      for (;;) {
        const { job: current } = await call('jobs.get', { params: { jobId } });
        if (!alive.current) return;
        setJob(current);
        if (current.state === 'completed' || current.state === 'failed') break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (!alive.current) return;
      }
      void reloadOnScreen('revalidate');
    } catch (caught) {
      if (alive.current) setError(messageOf(caught));
    } finally {
      if (alive.current) setRunning(false);
    }
  };

  const progress = job && describeProgress(job);
  return (
    <span className={compact ? 'sync compact' : 'sync'}>
      <button type="button" onClick={start} disabled={running}>
        {running ? 'Syncing…' : 'Sync now'}
      </button>
      {progress && (
        <span className={`sync-status ${job?.state}`} role="status">
          {progress.ratio !== undefined && <progress max={1} value={progress.ratio} aria-label="sync progress" />}{' '}
          {progress.text}
        </span>
      )}
      {error && (
        <span className="sync-status failed" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

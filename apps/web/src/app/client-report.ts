/**
 * Tells the server what the browser's storage went through: localStorage writes refused for
 * quota since the last report feed a server alert. Sent once a minute, only when there is news.
 */
import { call } from './api.ts';
import { storageTier } from './browser-cache.ts';

const REPORT_EVERY_MS = 60_000;

/** Starts reporting; returns the function that stops. */
export function startClientReports(): () => void {
  let reported = storageTier.stats().quotaFailures;
  const timer = setInterval(() => {
    const now = storageTier.stats().quotaFailures;
    if (now <= reported) return;
    const quotaFailures = now - reported;
    reported = now;
    void call('cache.clientReport', { body: { quotaFailures } }).catch(() => {
      // Lost reports are not worth a retry: the next failure reports again.
    });
  }, REPORT_EVERY_MS);
  return () => clearInterval(timer);
}

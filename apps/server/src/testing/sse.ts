/** An SSE stream opened with `fetch` in a test: wait for the next matching event, bounded. */
import { readSse, type SseEvent } from '../cli/sse-reader.ts';

/** An open stream. */
export interface TestStream {
  readonly status: number;
  readonly seen: SseEvent[];
  /** The next event for which `accept` holds; fails after `timeoutMs`. */
  next(accept: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Opens `url` as an event stream with `headers`. */
export async function openTestStream(url: string, headers: Record<string, string>): Promise<TestStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const seen: SseEvent[] = [];
  const waiters = new Set<() => void>();
  if (response.body && response.ok) {
    void (async () => {
      try {
        for await (const event of readSse(response.body!)) {
          seen.push(event);
          for (const wake of waiters) wake();
        }
      } catch {
        // Aborted by close().
      }
    })();
  }
  let index = 0;
  return {
    status: response.status,
    seen,
    async next(accept, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (index < seen.length) {
          const event = seen[index++]!;
          if (accept(event)) return event;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms (saw ${seen.length})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, left);
          function done() {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
    },
    close: () => abort.abort(),
  };
}

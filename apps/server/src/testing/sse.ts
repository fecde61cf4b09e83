/** An SSE stream opened with `fetch` in a test: wait for the next matching event, bounded. */
import { readSse, type SseEvent } from '../cli/sse-reader.ts';

/** An open stream. */
export interface TestStream {
  readonly status: number;
  readonly headers: Headers;
  /** Every event received so far, in order. */
  readonly seen: SseEvent[];
  /** Every event received so far as text (for the credentials check). */
  text(): string;
  /** The next event for which `accept` holds; fails after `timeoutMs`. */
  next(accept: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Opens `url` as an event stream with `headers`; the response head must come within `timeoutMs`. */
export async function openTestStream(
  url: string,
  headers: Record<string, string>,
  timeoutMs = 5_000,
): Promise<TestStream> {
  const abort = new AbortController();
  const headTimer = setTimeout(() => abort.abort(), timeoutMs);
  const response = await fetch(url, { headers, signal: abort.signal }).finally(() => clearTimeout(headTimer));
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
    headers: response.headers,
    seen,
    text: () => seen.map((event) => `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`).join(''),
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

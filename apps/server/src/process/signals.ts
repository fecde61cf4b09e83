/**
 * Stopping on SIGTERM (Docker, systemd, Kubernetes) and SIGINT (Ctrl-C) alike: the first signal
 * runs the shutdown once, later ones are ignored (a terminal's Ctrl-C reaches the process both
 * directly and through `npm`), and the process exits 0 when the shutdown finished, 1 when it
 * failed or overran its bound (then the exit does not wait for what hangs).
 */
import type { Logger } from 'pino';
import { say } from './logger.ts';

/** What {@link stopOnSignals} returns. */
export interface StopSignals {
  /** Whether a signal has started the shutdown. */
  readonly stopping: boolean;
}

/** Runs `shutdown` on the first SIGTERM or SIGINT; exits within `boundMs`. */
export function stopOnSignals(
  shutdown: () => Promise<void>,
  options: { boundMs: number; logger: Logger; name: string },
): StopSignals {
  const state = { stopping: false };
  const stop = (signal: NodeJS.Signals) => {
    if (state.stopping) return;
    state.stopping = true;
    say(`${options.name}: ${signal} received, stopping (open requests finish, event streams end, data is closed)…`);
    options.logger.info({ signal }, 'shutting down');
    const overrun = setTimeout(() => {
      say(`${options.name}: shutdown took longer than ${options.boundMs} ms; exiting`);
      process.exit(1);
    }, options.boundMs);
    overrun.unref();
    shutdown().then(
      () => {
        say(`${options.name}: stopped`);
        process.exit(0);
      },
      (error: unknown) => {
        say(`${options.name}: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return state;
}

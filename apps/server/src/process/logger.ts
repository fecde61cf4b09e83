/**
 * The process's logger: JSON lines on stdout for log collectors, or, when stdout is a terminal,
 * the same records as short readable lines. Human messages (the start-up banner, "stopping…")
 * never go through it: they are written to stderr on their own (`say`).
 */
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

/** A logger at `level`: readable in a terminal, JSON otherwise. */
export function processLogger(level: string, terminal = process.stdout.isTTY === true): Logger {
  if (!terminal) return pino({ level, base: undefined });
  return pino(
    { level, base: undefined },
    pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }),
  );
}

/** Writes human text (the banner, what the process is doing) to stderr, apart from the logs. */
export function say(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

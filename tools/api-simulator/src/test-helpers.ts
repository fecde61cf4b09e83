/** Helpers for this package's tests: a simulator that closes itself, and authenticated fetches. */
import { onTestFinished } from 'vitest';
import { jiraBasicAuth } from './jira/respond.ts';
import { DEFAULT_GITHUB_TOKEN, DEFAULT_JIRA_CREDENTIALS, type SimulatorOptions } from './options.ts';
import { createSimulator, type Simulator } from './server.ts';

/** Starts a simulator that is closed when the current test finishes, pass or fail. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = await createSimulator(options);
  onTestFinished(() => simulator.close());
  return simulator;
}

/** GET (or any method) against a GitHub route with the default token. */
export function github(sim: Simulator, path: string, init: RequestInit = {}): Promise<Response> {
  const url = path.startsWith('http') ? path : `${sim.url}${path}`;
  return fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${DEFAULT_GITHUB_TOKEN}`, ...(init.headers as Record<string, string>) },
  });
}

/** A request against a Jira route with the default account; `body` is sent as JSON. */
export function jira(sim: Simulator, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: jiraBasicAuth(DEFAULT_JIRA_CREDENTIALS.email, DEFAULT_JIRA_CREDENTIALS.apiToken),
  };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${sim.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** Settles `promise` into a value or an error, for asserting on rejections without try/catch. */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

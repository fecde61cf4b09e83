/**
 * The connect form as data: which of a connector's fields apply to the values entered so far, the
 * request body they make, and where the server's validation messages belong. The fields come
 * from `GET /api/connectors`, so a new source needs no dashboard code.
 */
import type { ConnectorField, ConnectorInfo } from '@agiletrack/domain';
import { ApiError } from './api.ts';

/** What the user typed, by field path (`config.owner`). */
export type FormValues = Readonly<Record<string, string>>;

/** The value a field shows: what was typed, else a select's first option. */
export function fieldValue(field: ConnectorField, values: FormValues): string {
  return values[field.path] ?? field.options?.[0]?.value ?? '';
}

/** Whether a field applies, given the other fields' values (and stored config, for the rotate form). */
export function applies(field: ConnectorField, fields: readonly ConnectorField[], values: FormValues): boolean {
  if (field.when === undefined) return true;
  const other = fields.find((f) => f.path === field.when!.path);
  const current = other ? fieldValue(other, values) : values[field.when.path];
  return current === field.when.equals;
}

/** The fields that apply now. */
export const visibleFields = (info: ConnectorInfo, values: FormValues): ConnectorField[] =>
  info.fields.filter((field) => applies(field, info.fields, values));

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

/** `acme/web`, `ENG`: the connected thing, from the values of its summary keys. */
export function targetOf(info: ConnectorInfo, values: FormValues): string {
  return info.summary.map((key) => values[`config.${key}`] ?? '').join('/');
}

/** The create (and test) request body of a connector's form. */
export function connectBody(
  info: ConnectorInfo,
  values: FormValues,
  common: { name: string; interval: string },
): { kind: string; name: string; config: Record<string, unknown>; credentials: Record<string, unknown> } {
  const body: Record<string, unknown> = {
    kind: info.kind,
    name: common.name || targetOf(info, values),
    config: {},
    credentials: {},
  };
  for (const field of visibleFields(info, values)) {
    const raw = fieldValue(field, values).trim();
    if (raw === '') continue;
    setPath(body, field.path.split('.'), field.input === 'number' ? Number(raw) : raw);
  }
  if (common.interval !== '') body.syncIntervalMinutes = Number(common.interval);
  return body as ReturnType<typeof connectBody>;
}

/** The secret fields that apply to a stored integration (the rotate form asks for these). */
export function secretFields(info: ConnectorInfo, config: Record<string, unknown>): ConnectorField[] {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) values[`config.${key}`] = String(value);
  return info.fields.filter((field) => field.secret && applies(field, info.fields, values));
}

/**
 * The problems of a refused request, by form field: the server names each problem's field
 * (`invalid body: config.owner: must be …; credentials.token: …`); `name` and
 * `syncIntervalMinutes` are the common fields.
 */
export function fieldErrors(error: unknown, fields: readonly ConnectorField[]): Record<string, string> {
  if (!(error instanceof ApiError) || error.code !== 'E_VALIDATION') return {};
  const found: Record<string, string> = {};
  for (const part of error.message.replace(/^invalid \w+: /, '').split('; ')) {
    const [path = '', ...rest] = part.split(': ');
    if (rest.length === 0) continue;
    // `credentials` alone (a union of shapes) belongs to the first secret field shown.
    const field =
      fields.find((f) => f.path === path)?.path ??
      (path === 'credentials' ? fields.find((f) => f.secret)?.path : undefined) ??
      (path === 'name' || path === 'syncIntervalMinutes' ? path : undefined);
    if (field !== undefined) found[field] ??= rest.join(': ');
  }
  return found;
}

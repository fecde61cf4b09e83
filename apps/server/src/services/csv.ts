/**
 * CSV for the exports (drill-down lists, the teams overview): RFC 4180 quoting, and cells that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) prefixed with
 * `'`, since titles come from upstream data.
 */

/** One cell's text. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document: a header row, then one row per record (CRLF line ends). */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

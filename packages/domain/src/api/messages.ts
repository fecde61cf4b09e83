/**
 * Plain-language messages for the checks the API's schemas make without a message of their own
 * ("must be at most 254 characters", never "Too big: expected string to have <=254 characters"),
 * and the reading of a validation answer back into fields. Server and dashboard install the
 * same messages, so a form says what the API would say, under the field it is about.
 */
import { z } from 'zod';

type Issue = z.core.$ZodRawIssue;

const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
};

const FORMAT: Record<string, string> = {
  email: 'must be an e-mail address',
  url: 'must be a web address starting with http:// or https://',
  datetime: 'must be a date and time such as 2025-01-31T12:00:00Z',
  date: 'must be a date such as 2025-01-31',
  uuid: 'must be a UUID',
  regex: 'has characters that are not allowed here',
};

const plural = (n: number | bigint, one: string) => `${n} ${one}${n === 1 || n === 1n ? '' : 's'}`;

function sized(issue: { origin: string; inclusive?: boolean }, bound: number | bigint, least: boolean): string {
  const word = least ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'string':
      return least && bound === 1 ? 'must not be empty' : `must be ${word} ${plural(bound, 'character')}`;
    case 'array':
    case 'set':
      return `must have ${word} ${plural(bound, 'item')}`;
    default:
      return issue.inclusive === false
        ? `must be ${least ? 'more' : 'less'} than ${bound}`
        : `must be ${least ? 'at least' : 'at most'} ${bound}`;
  }
}

/** The message of an issue that its schema gave none; undefined keeps zod's own. */
export function humanIssueMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${KIND[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return sized(issue, issue.minimum, true);
    case 'too_big':
      return sized(issue, issue.maximum, false);
    case 'invalid_format':
      return FORMAT[issue.format] ?? `must be a valid ${issue.format}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((value: unknown) => String(value)).join(', ')}`;
    case 'unrecognized_keys':
      return `${issue.keys.length === 1 ? 'is not a field' : 'are not fields'} here: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return 'does not match any of the accepted forms';
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
}

/** Makes the messages above zod's defaults in this process (schemas' own messages still win). */
export function installHumanMessages(): void {
  z.config({ customError: humanIssueMessage });
}

/** The API's validation answer for `issues` of the request's `what` (body, query): first five problems. */
export function validationMessage(issues: readonly { path: PropertyKey[]; message: string }[], what: string): string {
  const problems = issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : what}: ${issue.message}`)
    .join('; ');
  return `invalid ${what}: ${problems}`;
}

/** The field a validation problem is about (its path's first part), and what is wrong with it. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Reads a validation failure's message (`invalid body: name: must not be empty; email: …`, the
 * API's form) back into its problems, by field; a problem about the whole body has the field `''`.
 */
export function fieldProblems(message: string): FieldProblem[] {
  const match = /^invalid [a-z]+: (.*)$/s.exec(message);
  if (!match) return [];
  return match[1]!.split('; ').map((part) => {
    const colon = part.indexOf(': ');
    if (colon < 0) return { field: '', message: part };
    const path = part.slice(0, colon);
    return { field: /^(body|query)$/.test(path) ? '' : path.split('.')[0]!, message: part.slice(colon + 2) };
  });
}

/** The problems of `issues` (a schema's own check in the browser), by field, first one per field. */
export function issueProblems(issues: readonly { path: PropertyKey[]; message: string }[]): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : '';
    if (seen.has(field)) continue;
    seen.add(field);
    problems.push({ field, message: issue.message });
  }
  return problems;
}

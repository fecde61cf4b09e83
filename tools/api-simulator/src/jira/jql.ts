/**
 * The slice of JQL a sync connector writes: clauses joined by AND, then an optional ORDER BY.
 *
 *   project = AT AND updated >= "2024-01-10" ORDER BY updated ASC
 *   project in (AT, WEB) AND sprint in openSprints() AND status != Done
 *   key = AT-4 · sprint = 12 · resolutiondate is EMPTY · created > -7d
 *
 * Fields: project, key (issuekey, id), status, statusCategory, issuetype (type), sprint,
 * assignee, created, updated, resolutiondate (resolved). Operators: = != > >= < <= in, not in,
 * is [not] empty/null. Dates: `2024-01-10`, `2024/01/10 09:00`, ISO, `-7d`/`-2w`/`-4h`/`-30m`,
 * `now()`. Anything else (OR, parentheses around clauses, unknown fields) is refused with a
 * {@link JqlError}, which the route answers as a 400 — better than silently matching too much.
 */
import { compareText } from '../dataset/people.ts';
import type { JiraIssue, JiraSprint } from '../dataset/types.ts';
import { STATUSES } from './format.ts';

/** A JQL string the simulator cannot run. */
export class JqlError extends Error {
  readonly code = 'E_SIM_JQL';

  constructor(message: string) {
    super(message);
    this.name = 'JqlError';
  }
}

/** What a compiled query needs to know beyond the issue itself. */
export interface JqlEnv {
  sprints: readonly JiraSprint[];
  now: number;
}

/** A runnable query. */
export interface CompiledJql {
  /** True when the query has at least one restriction (Jira refuses unbounded searches). */
  bounded: boolean;
  /** True when the result depends on the current instant (`-7d`, `now()`). */
  relative: boolean;
  matches(issue: JiraIssue, env: JqlEnv): boolean;
  /** Sorts in place by the ORDER BY clause (default: key ascending). */
  sort(issues: JiraIssue[]): JiraIssue[];
}

type Token = { kind: 'word' | 'string' | 'op' | 'punct'; text: string };

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(!=|>=|<=|=|>|<|~)|([(),])|([^\s()=!<>,"'~]+))/gy;
  let consumed = 0;
  for (;;) {
    const match = re.exec(jql);
    if (!match) break;
    consumed = re.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'string', text: match[1].slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (match[2] !== undefined) tokens.push({ kind: 'op', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'punct', text: match[3] });
    else if (match[4] !== undefined) tokens.push({ kind: 'word', text: match[4] });
  }
  if (jql.slice(consumed).trim() !== '')
    throw new JqlError(`Error in the JQL Query: cannot read "${jql.slice(consumed)}"`);
  return tokens;
}

type Value = { kind: 'literal'; text: string } | { kind: 'function'; name: string };
type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'in' | 'not in' | 'is empty' | 'is not empty';
type Clause = { field: string; op: Operator; values: Value[] };

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw new JqlError('Error in the JQL Query: the query ended unexpectedly.');
    return token;
  }

  private isWord(text: string, offset = 0): boolean {
    const token = this.tokens[this.at + offset];
    return token?.kind === 'word' && token.text.toLowerCase() === text;
  }

  parse(): { clauses: Clause[]; order: { field: string; direction: 1 | -1 }[] } {
    const clauses: Clause[] = [];
    while (this.peek() && !this.isWord('order')) {
      if (clauses.length > 0) {
        if (this.isWord('or')) throw new JqlError('The simulator supports AND between clauses, not OR.');
        if (!this.isWord('and'))
          throw new JqlError(`Error in the JQL Query: expected AND, got "${this.peek()?.text}".`);
        this.at++;
      }
      clauses.push(this.clause());
    }
    const order: { field: string; direction: 1 | -1 }[] = [];
    if (this.isWord('order')) {
      this.at++;
      if (!this.isWord('by')) throw new JqlError('Error in the JQL Query: expected BY after ORDER.');
      this.at++;
      do {
        if (order.length > 0) this.at++;
        const field = this.next().text.toLowerCase();
        let direction: 1 | -1 = 1;
        if (this.isWord('asc') || this.isWord('desc')) direction = this.next().text.toLowerCase() === 'desc' ? -1 : 1;
        order.push({ field, direction });
      } while (this.peek()?.text === ',');
    }
    if (this.peek()) throw new JqlError(`Error in the JQL Query: unexpected "${this.peek()?.text}".`);
    return { clauses, order };
  }

  private clause(): Clause {
    const fieldToken = this.next();
    if (fieldToken.kind === 'punct') throw new JqlError('The simulator does not support parentheses around clauses.');
    const field = fieldToken.text.toLowerCase();
    if (this.isWord('is')) {
      this.at++;
      const negated = this.isWord('not');
      if (negated) this.at++;
      const what = this.next().text.toLowerCase();
      if (what !== 'empty' && what !== 'null') throw new JqlError(`Error in the JQL Query: expected EMPTY after IS.`);
      return { field, op: negated ? 'is not empty' : 'is empty', values: [] };
    }
    if (this.isWord('not') && this.isWord('in', 1)) {
      this.at += 2;
      return { field, op: 'not in', values: this.list() };
    }
    if (this.isWord('in')) {
      this.at++;
      return { field, op: 'in', values: this.list() };
    }
    const op = this.next();
    if (op.kind !== 'op' || op.text === '~')
      throw new JqlError(`Error in the JQL Query: unsupported operator "${op.text}".`);
    return { field, op: op.text as Operator, values: [this.value()] };
  }

  private list(): Value[] {
    if (this.peek()?.text !== '(') {
      const single = this.value();
      if (single.kind !== 'function') throw new JqlError('Error in the JQL Query: expected a list after IN.');
      return [single];
    }
    this.at++;
    const values: Value[] = [];
    while (this.peek()?.text !== ')') {
      if (values.length > 0) {
        if (this.next().text !== ',') throw new JqlError('Error in the JQL Query: expected "," in a list.');
      }
      values.push(this.value());
    }
    this.at++;
    return values;
  }

  private value(): Value {
    const token = this.next();
    if (token.kind === 'word' && this.peek()?.text === '(' && this.tokens[this.at + 1]?.text === ')') {
      this.at += 2;
      return { kind: 'function', name: token.text.toLowerCase() };
    }
    if (token.kind === 'punct' || token.kind === 'op')
      throw new JqlError(`Error in the JQL Query: unexpected "${token.text}".`);
    return { kind: 'literal', text: token.text };
  }
}

const RELATIVE = /^([+-]?)(\d+)([wdhm])$/i;
const UNIT_MS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000 };

function dateValue(value: Value, env: JqlEnv): number {
  if (value.kind === 'function') {
    if (value.name === 'now') return env.now;
    throw new JqlError(`The simulator does not support the function ${value.name}().`);
  }
  const relative = RELATIVE.exec(value.text);
  if (relative) {
    const amount = Number(relative[2]) * UNIT_MS[relative[3]!.toLowerCase()]!;
    return env.now + (relative[1] === '-' ? -amount : amount);
  }
  const text = value.text.replace(/\//g, '-');
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? `${text}T00:00:00Z`
    : /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(text)
      ? `${text.replace(' ', 'T')}:00Z`
      : text;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new JqlError(`Date value '${value.text}' for a date field is invalid.`);
  return ms;
}

function compare(op: Operator, actual: number, expected: number): boolean {
  switch (op) {
    case '=':
    case 'in':
      return actual === expected;
    case '!=':
    case 'not in':
      return actual !== expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case 'is empty':
    case 'is not empty':
      return false;
  }
}

/** The candidate values a field has on one issue (several for `sprint`, none when empty). */
function fieldValues(field: string, issue: JiraIssue, env: JqlEnv): { text: string[]; time?: number | null } {
  switch (field) {
    case 'project':
      return { text: [issue.projectKey] };
    case 'key':
    case 'issuekey':
    case 'id':
      return { text: [issue.key, issue.id] };
    case 'status':
      return { text: [issue.status, STATUSES[issue.status].id] };
    case 'statuscategory':
      return { text: [STATUSES[issue.status].category.name, STATUSES[issue.status].category.key] };
    case 'issuetype':
    case 'type':
      return { text: [issue.issueType] };
    case 'assignee':
      return {
        text: issue.assignee ? [issue.assignee.accountId, issue.assignee.emailAddress, issue.assignee.displayName] : [],
      };
    case 'sprint':
      return {
        text: issue.sprintIds.flatMap((id) => [String(id), env.sprints.find((s) => s.id === id)?.name ?? '']),
      };
    case 'created':
      return { text: [], time: Date.parse(issue.created) };
    case 'updated':
      return { text: [], time: Date.parse(issue.updated) };
    case 'resolutiondate':
    case 'resolved':
      return { text: [], time: issue.resolutiondate === null ? null : Date.parse(issue.resolutiondate) };
    default:
      throw new JqlError(`Field '${field}' does not exist or you do not have permission to view it.`);
  }
}

const DATE_FIELDS = new Set(['created', 'updated', 'resolutiondate', 'resolved']);

const SPRINT_FUNCTIONS = new Map<string, readonly JiraSprint['state'][]>([
  ['opensprints', ['active', 'future']],
  ['closedsprints', ['closed']],
  ['futuresprints', ['future']],
]);

function sprintFunction(name: string, env: JqlEnv): string[] {
  const states = SPRINT_FUNCTIONS.get(name);
  if (!states) throw new JqlError(`The simulator does not support the function ${name}().`);
  return env.sprints.filter((s) => states.includes(s.state)).map((s) => String(s.id));
}

function clauseMatches(clause: Clause, issue: JiraIssue, env: JqlEnv): boolean {
  const values = fieldValues(clause.field, issue, env);
  if (DATE_FIELDS.has(clause.field)) {
    const time = values.time ?? null;
    if (clause.op === 'is empty') return time === null;
    if (clause.op === 'is not empty') return time !== null;
    if (time === null) return false;
    const hits = clause.values.map((v) => compare(clause.op, time, dateValue(v, env)));
    return clause.op === 'not in' || clause.op === '!=' ? hits.every(Boolean) : hits.some(Boolean);
  }
  if (clause.op === 'is empty') return values.text.length === 0;
  if (clause.op === 'is not empty') return values.text.length > 0;
  const have = new Set(values.text.map((t) => t.toLowerCase()));
  const wanted = clause.values.flatMap((v) =>
    v.kind === 'function' ? sprintFunction(v.name, env) : [v.text.toLowerCase()],
  );
  const any = wanted.some((w) => have.has(w.toLowerCase()));
  switch (clause.op) {
    case '=':
    case 'in':
      return any;
    case '!=':
    case 'not in':
      return !any;
    default:
      throw new JqlError(`Operator "${clause.op}" is not supported for field ${clause.field}.`);
  }
}

function issueNumber(issue: JiraIssue): number {
  return Number(issue.key.slice(issue.key.lastIndexOf('-') + 1));
}

function sortKey(field: string): (a: JiraIssue, b: JiraIssue) => number {
  switch (field) {
    case 'key':
    case 'issuekey':
    case 'id':
      return (a, b) => compareText(a.projectKey, b.projectKey) || issueNumber(a) - issueNumber(b);
    case 'created':
      return (a, b) => compareText(a.created, b.created);
    case 'updated':
      return (a, b) => compareText(a.updated, b.updated);
    case 'resolutiondate':
    case 'resolved':
      return (a, b) => compareText(a.resolutiondate ?? '9999', b.resolutiondate ?? '9999');
    default:
      throw new JqlError(`Field '${field}' cannot be used in ORDER BY in the simulator.`);
  }
}

const TEXT_FIELDS = new Set(['project', 'key', 'issuekey', 'id', 'status', 'statuscategory', 'issuetype', 'type']);
const RANGE_OPERATORS = new Set<Operator>(['>', '>=', '<', '<=']);

// Errors a query would hit on any issue are raised before it runs, even when nothing matches.
function checkClause(clause: Clause): void {
  const isDate = DATE_FIELDS.has(clause.field);
  if (!isDate && !TEXT_FIELDS.has(clause.field) && clause.field !== 'assignee' && clause.field !== 'sprint') {
    throw new JqlError(`Field '${clause.field}' does not exist or you do not have permission to view it.`);
  }
  if (!isDate && RANGE_OPERATORS.has(clause.op)) {
    throw new JqlError(`The operator '${clause.op}' is not supported by the '${clause.field}' field.`);
  }
  for (const value of clause.values) {
    if (value.kind !== 'function') continue;
    const allowed = isDate ? value.name === 'now' : clause.field === 'sprint' && SPRINT_FUNCTIONS.has(value.name);
    if (!allowed) throw new JqlError(`The simulator does not support the function ${value.name}() on ${clause.field}.`);
  }
}

/** Parses and checks a JQL string; throws {@link JqlError}. */
export function compileJql(jql: string): CompiledJql {
  const { clauses, order } = new Parser(tokenize(jql)).parse();
  for (const clause of clauses) checkClause(clause);
  const byKey = sortKey('key');
  const comparators = order.map(({ field, direction }) => {
    const cmp = sortKey(field);
    return (a: JiraIssue, b: JiraIssue) => direction * cmp(a, b);
  });
  return {
    bounded: clauses.length > 0,
    relative: clauses.some((c) =>
      c.values.some((v) => (v.kind === 'function' ? v.name === 'now' : RELATIVE.test(v.text))),
    ),
    matches: (issue, env) => clauses.every((clause) => clauseMatches(clause, issue, env)),
    sort: (issues) =>
      issues.sort((a, b) => {
        for (const cmp of comparators) {
          const result = cmp(a, b);
          if (result !== 0) return result;
        }
        return byKey(a, b);
      }),
  };
}

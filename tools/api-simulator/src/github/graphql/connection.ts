/**
 * GraphQL connections as GitHub pages them: `first`/`after` or `last`/`before`, 1 to 100 nodes,
 * `pageInfo` and `totalCount`. Cursors are the position of a node in the order (its sort key),
 * not an offset, so a node that moves while a client pages makes no other node skip or repeat.
 */
import { GraphQLError } from 'graphql';

/** Paging arguments of a connection field. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A page of a connection. */
export interface Connection<N> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  nodes: N[];
}

const encode = (key: string) => Buffer.from(`c1:${key}`).toString('base64');
const decode = (cursor: string, field: string): string => {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  if (!text.startsWith('c1:'))
    throw new GraphQLError(`\`${cursor}\` does not appear to be a valid cursor.`, {
      extensions: { type: 'INVALID_CURSOR_ARGUMENTS', field },
    });
  return text.slice(3);
};

/**
 * One page of `items`, which are in list order; `keyOf` gives each a key that grows along the
 * list (so "after a cursor" is "key greater than the cursor's").
 */
export function connection<T, N>(
  field: string,
  items: readonly T[],
  args: PageArgs,
  keyOf: (item: T) => string,
  nodeOf: (item: T) => N,
): Connection<N> {
  const size = args.first ?? args.last;
  if (size === undefined || size === null) {
    throw new GraphQLError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`,
      {
        extensions: { type: 'MISSING_PAGINATION_BOUNDARIES' },
      },
    );
  }
  if (size < 0 || size > 100) {
    throw new GraphQLError(
      `Requesting ${size} records on the \`${field}\` connection exceeds the \`${args.first != null ? 'first' : 'last'}\` limit of 100 records.`,
      { extensions: { type: 'EXCESSIVE_PAGINATION' } },
    );
  }
  let start = 0;
  let end = items.length;
  if (args.after) {
    const after = decode(args.after, field);
    while (start < end && keyOf(items[start]!) <= after) start++;
  }
  if (args.before) {
    const before = decode(args.before, field);
    let cut = start;
    while (cut < end && keyOf(items[cut]!) < before) cut++;
    end = cut;
  }
  const from = args.first != null ? start : Math.max(start, end - size);
  const to = args.first != null ? Math.min(end, start + size) : end;
  const page = items.slice(from, to);
  return {
    totalCount: items.length,
    pageInfo: {
      hasNextPage: to < end,
      hasPreviousPage: from > start,
      startCursor: page.length > 0 ? encode(keyOf(page[0]!)) : null,
      endCursor: page.length > 0 ? encode(keyOf(page.at(-1)!)) : null,
    },
    nodes: page.map(nodeOf),
  };
}

/** A key that grows as `time` falls: for lists newest first (`2024-…` → its complement). */
export function descending(time: string, tie: number): string {
  const inverted = [...time].map((c) => (c >= '0' && c <= '9' ? String(9 - Number(c)) : c)).join('');
  return `${inverted}|${String(1e12 - tie).padStart(13, '0')}`;
}

/** A key that grows with `time`. */
export function ascending(time: string, tie: number): string {
  return `${time}|${String(tie).padStart(13, '0')}`;
}

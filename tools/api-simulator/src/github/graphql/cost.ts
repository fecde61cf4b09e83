/**
 * GitHub's GraphQL cost model: every connection asked for with `first`/`last` costs one request
 * per parent node that may hold it (a top-level connection one; `reviews(first: 20)` under
 * `pullRequests(first: 100)` a hundred), the points are the requests over 100, rounded, at least
 * 1. `nodes` is the most nodes the query could return (GitHub's `nodeCount`), which is what makes
 * a query heavy.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** What a query costs. */
export interface QueryCost {
  /** Rate-limit points. */
  points: number;
  /** Requests GitHub counts before dividing by 100. */
  requests: number;
  /** The most nodes the query can return. */
  nodes: number;
}

function intOf(value: ValueNode | undefined, variables: Record<string, unknown>): number | undefined {
  if (value === undefined) return undefined;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}

/** The cost of the operation GitHub would run (`operationName`, or the only one). */
export function queryCost(
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName?: string,
): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operations.find((o) => o.name?.value === operationName) ?? operations[0];
  let requests = 0;
  let nodes = 0;
  const walk = (set: SelectionSetNode | undefined, multiplier: number, seen: ReadonlySet<string>): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, multiplier, seen);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        if (!seen.has(name)) walk(fragments.get(name)?.selectionSet, multiplier, new Set([...seen, name]));
      } else {
        const arg = (name: string) => selection.arguments?.find((a) => a.name.value === name)?.value;
        const size = intOf(arg('first'), variables) ?? intOf(arg('last'), variables);
        if (size === undefined) walk(selection.selectionSet, multiplier, seen);
        else {
          requests += multiplier;
          nodes += multiplier * size;
          walk(selection.selectionSet, multiplier * size, seen);
        }
      }
    }
  };
  walk(operation?.selectionSet, 1, new Set());
  return { points: Math.max(1, Math.round(requests / 100)), requests, nodes };
}
